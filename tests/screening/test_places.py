"""One place-name normalizer: connectors, matching and screening read 石门民族乡 alike."""
from connectors.regions import region_suffixes, short_name
from matching.normalize import region_short
from screening.places import PlaceNames
from warehouse.db import session_scope
from warehouse.models import Region

TOWNSHIP, VILLAGE = "石门民族乡", "红岩村"


def _regions(ctx) -> tuple[int, int]:
    """The township and village as the roster loader stores them (short names from settings)."""
    suffixes = region_suffixes(ctx.settings)
    with session_scope(ctx.engine) as s:
        town = Region(level="township", name=TOWNSHIP,
                      short_name=short_name(TOWNSHIP, suffixes["township"]))
        s.add(town)
        s.flush()
        village = Region(level="village", name=VILLAGE, parent_id=town.id,
                         short_name=short_name(VILLAGE, suffixes["village"]))
        s.add(village)
        s.flush()
        return town.id, village.id


def test_shimen_minzuxiang_normalizes_the_same_in_connectors_matching_and_screening(ctx):
    suffixes = region_suffixes(ctx.settings)
    assert short_name(TOWNSHIP, suffixes["township"]) == "石门"
    assert region_short(TOWNSHIP) == "石门"  # matching's key (was 石门民族: a literal list)
    assert region_short("石門民族鄉") == "石门"  # traditional spelling, simplified first
    assert region_short("红岩村委会") == region_short(VILLAGE) == short_name(VILLAGE, suffixes["village"])

    _regions(ctx)
    with session_scope(ctx.engine) as s:
        places = PlaceNames(s)
        for spelling in (TOWNSHIP, "石门", " 石门 民族乡"):
            assert places.township(spelling) == TOWNSHIP, spelling
        # A village spelt with another suffix of its level is still the roster's village.
        for spelling in (VILLAGE, "红岩", "红岩村委会"):
            assert places.village(TOWNSHIP, spelling) == VILLAGE, spelling
        assert places.township("石门民族") == "石门民族"  # not a suffix: unknown, kept as written


def test_region_ids_win_and_unknown_places_stay_as_written(ctx):
    town_id, village_id = _regions(ctx)
    with session_scope(ctx.engine) as s:
        places = PlaceNames(s)
        assert places.township("写错了", town_id) == TOWNSHIP
        assert places.village(None, "写错了", village_id) == VILLAGE
        assert places.township("白鹤乡") == "白鹤乡"
        assert places.village(TOWNSHIP, "外村") == "外村"
        assert places.township(None) is None and places.village(TOWNSHIP, float("nan")) is None
