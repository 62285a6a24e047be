"""The workflow shipped with memory-dynamics (``memory_dynamics.workflows``): Snakemake rules,
rule scripts, the config schema and its per-study blocks, presets, report captions and
profiles. Package data only; nothing here is imported but this marker."""
