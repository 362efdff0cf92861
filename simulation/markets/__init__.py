"""Markets clear what agents decide: chips (allocation, prices, leakage), equity and AI services."""
