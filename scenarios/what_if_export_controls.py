"""What if the October 2023 export rule had been enforced only half as well?

Runs the baseline twice with the same seed: once as enacted (the rule stops 95% of banned demand)
and once with `regulators.bis.rules.oct2023.enforcement` set to 0.5, so half of China's banned
demand for the chips that rule covers gets through smugglers and foreign clouds. The overrides use
the same dotted names as `airace run baseline --set KEY=VALUE`.

In the baseline the October 2022 rule stays in force alongside the 2023 one, and a chip is held back
by the strictest rule that covers it. So this what-if loosens only the chips the 2023 rule added
(the A800 and H800, cut-down for China); the A100, H100 and later chips stay stopped at 95%.

Run it with the project's environment:  .venv/bin/python scenarios/what_if_export_controls.py
"""

from simulation import run

WHAT_IFS = {
    "as enacted": {},
    "Oct 2023 rule half enforced": {"regulators.bis.rules.oct2023.enforcement": 0.5},
}

print(f"{'baseline, seed 20230101':<30}{'US-China gap at end':>22}{'chips leaked into China':>26}")
for label, overrides in WHAT_IFS.items():
    s = run("baseline", overrides=overrides).summary
    gap, leaked = s["gap_months"]["end"], s["chips_leaked_total"]["CN"]
    print(f"{label:<30}{gap:>15.1f} months{leaked:>26,.0f}")
print(f"(gap on {s['end']}: months since the US frontier stood where China's stands; chips over {s['start']}"
      f" to {s['end']})")
