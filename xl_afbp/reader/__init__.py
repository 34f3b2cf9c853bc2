"""Read returned workbooks safely and fast: every file gets a verdict, nothing is executed.

:func:`read_submission` reads ONE file a library e-mailed back and never raises: a file that
cannot or must not be read becomes a :class:`Submission` with verdict ``"rejected"``, a
stable ``code`` and a Polish ``reason`` (what is wrong and whose action is needed); a file
that is no form at all (a cover letter, an Office lock file) is ``"skipped"``.
:func:`read_many` reads a batch in worker processes with a per-file time limit. A verdict
is a function of the file alone: what is remembered between files is keyed by the digest of
the exact bytes it came from (:func:`forget` drops it).

Order of the checks (cheap and dangerous first; nothing is parsed before the limits pass):

0. the entry on disk (:mod:`.local`): a directory, FIFO, broken link or unreadable file is
   the coordinator's problem (``local_error``), a FIFO is never opened for reading;
1. size on disk (``Limits.max_file_bytes``), empty file;
2. content sniffing by magic bytes, never by the extension: OLE/CFB (encrypted workbook or
   legacy ``.xls``: converted by the coordinator in one step), PDF, HTML, CSV/text, images,
   other archives; ODS (read like an ``.xlsx``: :mod:`.ods`), DOCX, XLSB zips; a file whose
   content and name both say it is no form is skipped (``not_a_form``);
3. the zip directory only (no decompression): entry count, declared uncompressed size and
   ratio, member names (macros, external links, embedded objects, unknown parts);
4. the whole XML prolog of every part, in one linear pass: a DTD or entity declaration is
   refused (``xml_entities``), an endless prolog is ``malformed_xml``;
5. ``xl/workbook.xml`` and its relationships with :mod:`defusedxml` (sheets, defined names),
   once per distinct workbook.xml (the plan of what to read is remembered per form layout);
6. sheet sizes: the ``<dimension>`` of every sheet, the real rows/columns of each sheet read;
7. identification through ``_meta`` and the defined-name contract (edition, spec hash), and
   the library id shown on a personalised form (``id_mismatch``);
8. values through the defined names only, cached formula results included: from the raw
   sheet XML (the wanted cells only, split out at C speed; shared strings decoded lazily),
   or with python-calamine when a sheet is written unusually (prefixes, cells without
   positions) – both paths give identical results (tested); numbers as Excel writes them,
   percentages typed with their sign, text made safe once (:mod:`.interpret`);
9. tamper checks: computed cells must hold formulas, cached results must agree with a
   recomputation by the engine, input names must point to the generated layout, inputs
   must not hold formulas that fetch data (:mod:`.fetch`);
10. data checks that do not reject (text in numbers, negatives, ``#``, decimals).

Every pattern run over a part is linear in its input: no malformed file takes long.
Codes and verdicts are listed in :data:`CODES`; ``docs/hostile-files.md`` explains them.

Modules, in the order a file goes through them: :mod:`.local`, :mod:`.sniff`,
:mod:`.members`, :mod:`.xmlsafe`, :mod:`.book` (or :mod:`.ods`), :mod:`.contract` (names,
layouts, the read plan), :mod:`.cells` (fast and general path), :mod:`.interpret`
(:mod:`.convert`, :mod:`.fetch`), :mod:`.file` (one file), :mod:`.batch` (many files);
:mod:`.submission` and :mod:`.texts` are shared.
"""

from __future__ import annotations

from .batch import read_many
from .book import parse_ref
from .cells import rich_text, xml_text
from .contract import prepare
from .file import forget, read_submission
from .submission import CODES, Limits, Submission

__all__ = ["CODES", "Limits", "Submission", "forget", "read_many", "read_submission", "prepare", "parse_ref", "rich_text", "xml_text"]
