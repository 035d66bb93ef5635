"""The split: stratified by repository with the fraction asked (±2 points, a warning otherwise),
plugins never cut across it, and eval records never made from functions the train split has."""

from __future__ import annotations

from spcopilot.training.dedup import cross_split_duplicates, function_signatures
from spcopilot.training.examples import file_examples
from spcopilot.training.split import TOLERANCE, plugin_groups, stratified_split


def files(repo_sizes: dict[str, int]) -> dict[str, list[tuple[str, list[str]]]]:
    return {repo: [(f"p{i}.sp", []) for i in range(n)] for repo, n in repo_sizes.items()}


def test_one_large_repository_no_longer_skews_the_share() -> None:
    """The issue's case: whole repositories held out put 24 % of the files in eval for 10 % asked.
    Each repository now gives its share."""
    sizes = {"big": 533, "medium": 207, "stock": 164, "small": 48, "tiny": 12, "one": 1}
    result = stratified_split(files(sizes), 0.1)
    assert abs(result.share - 0.1) <= 0.005 and result.warning == ""
    for repo, n in sizes.items():
        assert abs(result.by_repository[repo]["eval"] - 0.1 * n) < 1  # every repository its share
    assert result.eval_files == round(0.1 * sum(sizes.values()))


def test_the_split_is_fixed_by_the_names() -> None:
    a = stratified_split(files({"r1": 40, "r2": 25}), 0.2)
    b = stratified_split(files({"r2": 25, "r1": 40}), 0.2)
    assert a.eval_keys == b.eval_keys and len(a.eval_keys) == 13


def test_a_plugin_and_the_files_it_includes_stay_together() -> None:
    repo = {
        "big": [
            ("scripting/main.sp", ["main/part_a.sp", "main/part_b.sp", "helpers.inc"]),
            ("scripting/main/part_a.sp", []),
            ("scripting/main/part_b.sp", []),
            ("scripting/include/helpers.inc", []),
        ]
        + [(f"scripting/other{i}.sp", []) for i in range(8)]
    }
    groups = plugin_groups(repo)["big"]
    main = next(g for g in groups if "scripting/main.sp" in g)
    assert sorted(main) == sorted(["scripting/main.sp", "scripting/main/part_a.sp", "scripting/main/part_b.sp",
                                   "scripting/include/helpers.inc"])  # fmt: skip
    for fraction in (0.1, 0.3, 0.5):
        held = stratified_split(repo, fraction).eval_keys
        inside = {f"big/{p}" for p in main} & held
        assert inside in (set(), {f"big/{p}" for p in main})  # all or nothing


def test_a_share_far_from_the_fraction_is_a_warning() -> None:
    one_plugin = {"solo": [("a.sp", ["b.sp", "c.sp"]), ("b.sp", []), ("c.sp", [])]}
    result = stratified_split(one_plugin, 0.1)
    assert abs(result.share - 0.1) > TOLERANCE
    assert "not the 10 % asked" in result.warning
    assert stratified_split(files({"r": 50}), 0.0).eval_keys == set()


SHARED = """public void Event_TankSpawn(Event event, const char[] name, bool dontBroadcast)
{
    int tank = GetClientOfUserId(event.GetInt("userid"));
    if (tank > 0 && IsClientInGame(tank))
    {
        PrintToChatAll("A Tank (%N) has spawned with %d health!", tank, GetClientHealth(tank));
        EmitSoundToAll("ui/pickup_secret01.wav");
    }
}
"""
TRAIN = (
    '#include <sourcemod>\n#include <sdktools>\n\npublic Plugin myinfo = { name = "Tank Alarm", description = '
    '"Announces every Tank that spawns to the whole server" };\n\npublic void OnPluginStart()\n{\n'
    '    HookEvent("tank_spawn", Event_TankSpawn);\n}\n\n' + SHARED
)
EVAL = (
    '#include <sourcemod>\n#include <sdktools>\n\npublic Plugin myinfo = { name = "Tank Report", description = '
    '"Announces every Tank and counts the witches killed" };\n\nint g_iWitches;\n\npublic void OnPluginStart()\n{\n'
    '    HookEvent("tank_spawn", Event_TankSpawn);\n    HookEvent("witch_killed", Event_WitchKilled);\n}\n\n'
    + SHARED
    + "\npublic void Event_WitchKilled(Event event, const char[] name, bool dontBroadcast)\n{\n"
    + '    g_iWitches++;\n    PrintToChatAll("Witches killed this round: %d, the last by a survivor", g_iWitches);\n'
    + "}\n"
)


def test_a_function_the_train_split_has_is_found_in_an_eval_file() -> None:
    train = [sig for _, sig in function_signatures(TRAIN)]
    evaluation = [("eval/tank_report.sp", name, sig) for name, sig in function_signatures(EVAL)]
    found = cross_split_duplicates(train, evaluation, 0.7)
    assert found.duplicates == {"eval/tank_report.sp": {"Event_TankSpawn"}}
    assert (found.eval_functions, found.duplicate_count, found.exact) == (3, 1, 1)


def test_no_eval_record_is_made_from_a_duplicated_function() -> None:
    plain = file_examples(EVAL, "corpus/b", "tank_report.sp", "l4d2", holes_per_file=20, functions_per_file=5)
    assert any(r["meta"].get("function") == "Event_TankSpawn" for r in plain.chat)
    assert any('PrintToChatAll("A Tank' in h["middle"] for h in plain.holes)

    deduped = file_examples(EVAL, "corpus/b", "tank_report.sp", "l4d2", holes_per_file=20, functions_per_file=5,
                            duplicate_functions=frozenset({"Event_TankSpawn"}))  # fmt: skip
    assert all(r["meta"].get("function") != "Event_TankSpawn" for r in deduped.chat)
    assert all("A Tank (%N)" not in h["middle"] for h in deduped.holes)
    assert deduped.duplicates_skipped["function"] == 1
    # Most of the plugin is the duplicated handler: no whole-plugin eval example either.
    assert all(r["meta"]["kind"] != "plugin" for r in deduped.chat)
    assert deduped.duplicates_skipped["plugin"] == 1


def test_whole_repositories_on_request() -> None:
    from spcopilot.training.split import repository_split

    result = repository_split(files({"a": 30, "b": 10, "c": 5}), 0.2)
    held = {key.split("/")[0] for key in result.eval_keys}
    assert held and held != {"a", "b", "c"}
    for v in result.by_repository.values():
        assert v["eval"] in (0, v["files"])  # all of a repository or none of it
