"""What if the October 2023 export rule had been enforced only half as well?

Runs the baseline twice with the same seed: once as enacted (the rule stops 85% of banned demand)
and once with `regulators.bis.rules.oct2023.enforcement` set to 0.5, so half of China's banned
demand for the chips that rule covers gets through smugglers and foreign clouds. The overrides use
the same dotted names as `airace run baseline --set KEY=VALUE`.

The 2023 rule replaced the 2022 one, so from October 2023 it is the rule that holds back the A100,
H100, the H800-like variant NVIDIA designed after 2022, and later chips. Chinese labs also gain
capability by distilling open-weights models, so more chips narrow the gap less than one might
expect: compare the two columns.

Run it with the project's environment:  .venv/bin/python scenarios/what_if_export_controls.py
"""

from simulation import run

WHAT_IFS = {
    "as enacted": {},
    "Oct 2023 rule half enforced": {"regulators.bis.rules.oct2023.enforcement": 0.5},
}
summaries = {label: run("baseline", overrides=overrides).summary for label, overrides in WHAT_IFS.items()}

s = summaries["as enacted"]
print(f"Baseline scenario, seed {s['seed']}, {s['start']} to {s['end']}")
print(f"{'':<30}{'US-China gap at the end':>25}{'chips leaked into China':>26}")
for label, summary in summaries.items():
    print(f"{label:<30}{summary['gap_months']['end']:>18.1f} months{summary['chips_leaked_total']['CN']:>26,.0f}")
