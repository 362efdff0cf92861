"""What if the October 2023 export rule had been enforced only half as well?

Runs the baseline with ten seeds twice: once as enacted (enforcement 0.85) and
once with `regulators.bis.rules.oct2023.enforcement` set to 0.5, which leaves smugglers and foreign
clouds about three times the routes for the chips that rule covers (their capacity is what enforcement
leaves open, docs/model.md S3.4). Both use the same seeds,
so each seed's difference is the effect of the weaker rule with the seed's own luck taken out; the
table gives the median difference and its 90% interval (`analysis.paired`, as `airace compare`).
The overrides use the same dotted names as `airace run baseline --set KEY=VALUE`.

The 2023 rule replaced the 2022 one, so from October 2023 it is the rule that holds back the A100,
H100, the H800-like variant NVIDIA designed after 2022, and later chips. Chinese labs also gain
capability by distilling open-weights models, so more chips narrow the gap less than one might
expect.

Run it with the project's environment:  .venv/bin/python scenarios/what_if_export_controls.py
"""

from analysis.load import ResultSet
from analysis.paired import paired_effects
from simulation import load_scenario, run_replicates

SEEDS = 10
WHAT_IFS = {
    "as enacted": {},
    "Oct 2023 rule half enforced": {"regulators.bis.rules.oct2023.enforcement": 0.5},
}
results = [
    ResultSet(label, list(run_replicates(load_scenario("baseline", overrides), 1, SEEDS)))
    for label, overrides in WHAT_IFS.items()
]
table, pairing = paired_effects(*results)
rows = ["gap at end of 2025 (months)", "gap at end (months)", "CN chips leaked past controls (% of its chips)"]
print(f"Effect of half enforcement, paired over seeds {pairing.seeds[0]} to {pairing.seeds[-1]} (90% intervals):")
for outcome in rows:
    effect, low, high = table.loc[outcome, ["effect (median paired difference)", "low", "high"]]
    print(f"  {outcome:<50} {effect:+8.2f}   ({low:+.2f} to {high:+.2f})")
