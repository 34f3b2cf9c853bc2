"""Consolidator: returned workbooks → regional summary, import log and the multi-year database.

:func:`consolidate` is the pure core. It takes the :class:`xl_afbp.reader.Submission` of
every file received (read by :func:`xl_afbp.reader.read_many`), decides the batch status
of each file, recomputes indicators, rules and K-03 checks **in Python from the raw
inputs** (cached values in the files are never used), and returns a :class:`Consolidation`
of pandas DataFrames:

``libraries``     one row per library in the summary: basic data, ``P01`` … ``P34``
                  (``P21`` = number of TAK services), ``P21_01`` … ``P21_12``, the
                  indicators, the form status and counts of errors / warnings / gaps;
``group_stats``   per podtyp × przedział, per podtyp and for the whole region: n, mean,
                  median, Q1, Q3, min, max of the per-library values of each indicator,
                  and, apart, the group's **aggregate** indicator (ratio of sums);
``powiaty``       per powiat: libraries, sums of the additive items, aggregate indicators;
``region``        sums of the additive items and the aggregate indicators of the region
                  (the same engine evaluates a form of summed items: these are not medians);
``findings``      every failed rule, K-03 difference, gap and reader note, per library;
``import_log``    one row per input file, whatever happened to it;
``missing``       libraries of the ``expected`` list without an accepted form.

Batch statuses (Polish in the outputs): ``accepted`` "przyjęty", ``accepted_with_warnings``
"przyjęty z uwagami" (the reader noted something, or the recomputed checks found errors,
warnings, K-03 differences or empty fields: the data is used and the findings listed),
``rejected`` "odrzucony", ``duplicate`` "duplikat" (the same content as another file,
same sha256), ``superseded`` "zastąpiony" (an older file of the same library: the newest
by ``saved_at``, else the form's ``generated_at``, else the file's mtime, wins),
``unresolved`` "do wyjaśnienia" (versions that cannot be ordered: equal save times, a save
time in the future), ``skipped`` "pominięty" (no form: a cover letter, a lock file). Ids
and names are compared after Unicode normalisation with invisible characters removed; two
different libraries (different TERYT or name) claiming one id are both rejected
(``id_conflict``) unless the expected list says whose the id is (the other: ``id_claimed``).
The result depends neither on the order of the inputs nor on their names
(:mod:`.versions`).

Aggregates: for each indicator the numerator and denominator items are summed over the
libraries of the group that have a value of that indicator, and the engine evaluates that
summed form. Indicators that cannot be aggregated that way (a non-additive item such as
opening hours or satisfaction, the services count, or a constant in a sum such as
``P1 / (P13 + 1)``) have no aggregate; the reason is given.

Modules: :mod:`.records` (statuses, :class:`Entry`, :class:`Consolidation`), :mod:`.entries`
(the batch policy, the survey year), :mod:`.evaluation` (per form), :mod:`.statistics`
(groups, aggregates), :mod:`.core` (:func:`consolidate`), :mod:`.trends` (the key
indicators over the years of the database: :func:`~.trends.trends`). The outputs are
written by :mod:`xl_afbp.outputs`; the whole job (files → reader → core → database →
outputs) is :mod:`xl_afbp.jobs.consolidation`.
"""

from __future__ import annotations

from .core import consolidate, judge
from .entries import MixedYears, assign_statuses, survey_year
from .evaluation import evaluate_all, evaluate_form
from .records import (
    ACCEPTED,
    ACCEPTED_WITH_WARNINGS,
    ALL_SUBTYPES,
    DUPLICATE,
    LEVEL_BAND,
    LEVEL_GROUP,
    LEVEL_REGION,
    LEVEL_SUBTYPE,
    MIN_GROUP,
    REJECTED,
    SKIPPED,
    STATUS_PL,
    SUPERSEDED,
    UNRESOLVED,
    USED,
    Consolidation,
    Entry,
)

__all__ = [
    "ACCEPTED", "ACCEPTED_WITH_WARNINGS", "ALL_SUBTYPES", "DUPLICATE", "LEVEL_BAND", "LEVEL_GROUP", "LEVEL_REGION", "LEVEL_SUBTYPE", "MIN_GROUP",
    "REJECTED", "SKIPPED", "STATUS_PL", "SUPERSEDED", "UNRESOLVED", "USED", "Consolidation", "Entry", "MixedYears", "assign_statuses", "survey_year", "consolidate",
    "evaluate_all", "evaluate_form", "judge",
]
