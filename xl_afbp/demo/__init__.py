"""Demo-only code, apart from the product's core: the simulated returned forms
(:mod:`.simulate`), the whole tour (:mod:`.run`, ``xl-afbp demo``) and LibreOffice tooling
(:mod:`.libreoffice`, :mod:`.render`) used by the tests as the spreadsheet oracle, by
``xl-afbp render`` and by the docs' images. The product's core never imports this package
(analyst.py still borrows the simulator for its example rows; issue 16 reworks it)."""
