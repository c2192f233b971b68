"""The per-field merge rule: best source wins, truncated titles never win."""

import pytest

from readinglist.metadata import PageMetadata, Source, clean_text, is_truncation_of, merge_into

FULL = "Learning Knowledge Graph-based World Models of Textual Environments"


def page(source: Source, **fields: object) -> PageMetadata:
    return PageMetadata.from_dict(dict(fields), source=source)


def test_citation_title_replaces_open_graph_title() -> None:
    changes = merge_into(
        {"title": "Short og title"}, {"title": "og"}, page(Source.CITATION, title=FULL)
    )
    assert changes == {"title": (FULL, Source.CITATION)}


def test_open_graph_title_does_not_replace_citation_title() -> None:
    changes = merge_into(
        {"title": FULL}, {"title": "citation"}, page(Source.OPEN_GRAPH, title="Other")
    )
    assert changes == {}


@pytest.mark.parametrize("truncated", [FULL[:30] + "...", FULL[:30] + "…", FULL[:40]])
def test_truncated_title_never_replaces_full_title_even_from_a_better_source(
    truncated: str,
) -> None:
    changes = merge_into({"title": FULL}, {"title": "og"}, page(Source.USER, title=truncated))
    assert changes == {}


def test_full_title_replaces_truncated_one_from_a_weaker_source() -> None:
    current = {"title": FULL[:30] + "…"}
    changes = merge_into(current, {"title": "citation"}, page(Source.OPEN_GRAPH, title=FULL))
    assert changes == {"title": (FULL, Source.OPEN_GRAPH)}


def test_empty_fields_never_erase_and_equal_rank_keeps_first_value() -> None:
    current = {"title": FULL, "abstract": "First abstract."}
    sources = {"title": "citation", "abstract": "citation"}
    incoming = page(Source.CITATION, title="", abstract="Second abstract.")
    assert merge_into(current, sources, incoming) == {}


def test_missing_field_is_filled_by_any_source() -> None:
    changes = merge_into({"venue": ""}, {}, page(Source.DOCUMENT, venue="NAACL 2021"))
    assert changes == {"venue": ("NAACL 2021", Source.DOCUMENT)}


def test_field_sources_override_the_page_source_per_field() -> None:
    incoming = PageMetadata.from_dict(
        {"abstract": "From the DOM.", "field_sources": {"abstract": "site"}},
        source=Source.OPEN_GRAPH,
    )
    changes = merge_into({"abstract": "og description"}, {"abstract": "og"}, incoming)
    assert changes == {"abstract": ("From the DOM.", Source.SITE)}


def test_authors_merge_as_a_list() -> None:
    incoming = page(Source.CITATION, authors=["Le Scao, Teven", " Rush,\u00a0Alexander "])
    changes = merge_into({"authors": []}, {}, incoming)
    assert changes == {"authors": (["Le Scao, Teven", "Rush, Alexander"], Source.CITATION)}


def test_clean_text_folds_nbsp_and_controls() -> None:
    assert clean_text("In\u00a0Vitro \x00Cytotoxicity\n\tof  x") == "In Vitro Cytotoxicity of x"


def test_is_truncation_of_is_case_insensitive_and_rejects_equal_or_unrelated() -> None:
    assert is_truncation_of("learning knowledge…", FULL)
    assert not is_truncation_of(FULL, FULL)
    assert not is_truncation_of("Something else…", FULL)
    assert not is_truncation_of("…", FULL)
