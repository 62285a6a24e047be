# Shared helpers: config validation (before any job is planned), sweep points, targets.
import sys

from analysis.config import SWEEPS, ConfigError, shards, validate

try:
    validate(config)
except ConfigError as err:
    sys.exit(f"Config error: {err}")

STUDIES = config["studies"]
# every study's rules are defined (the rule files are always included); only the
# configured studies are targets
SHARDS = {study: shards(config, study) for study in SWEEPS}


def settings(study):
    """The study's config minus its sweep lists: the per-point simulation settings."""
    return {k: v for k, v in config[study].items() if k not in SWEEPS[study]}


def shard_files(study):
    return expand("results/{study}/shards/{shard}.nc", study=study, shard=SHARDS[study])


def points(study):
    """Params function: the sweep points (grid indices and values) of a shard."""
    return lambda wildcards: SHARDS[study][wildcards.shard]


FIGURES = {}  # study -> figure names, filled by each study's rule file


def figures(study, ext=("png", "pdf")):
    return expand("results/{study}/figures/{name}.{ext}", study=study,
                  name=FIGURES[study], ext=ext)


def all_targets():
    return [*(t for study in STUDIES
              for t in [f"results/{study}/checks.csv", *figures(study)]),
            "results/summary/index.html"]


def print_outputs():
    print("\nmemory-dynamics finished. Outputs:", file=sys.stderr)
    for study in STUDIES:
        print(f"  {study}: results/{study}/{study}.nc, results/{study}/checks.csv, "
              f"figures in results/{study}/figures/", file=sys.stderr)
    print("  summary of all checks and run times: results/summary/index.html",
          file=sys.stderr)
    print("Build the HTML report with: snakemake --report results/report.html "
          "(or: make report)", file=sys.stderr)


# Per-rule resources of the simulate rules (used by local and SLURM runs alike).
def hopfield_mem_mb(wildcards, attempt):
    """Peak memory estimate: couplings of one batch (<= 256 MiB plus one network), the
    patterns' field matrix, interpreter and libraries; doubled on a retry."""
    N = max(p["values"]["N"] for p in SHARDS["hopfield"][wildcards.shard])
    return int(attempt * (600 + 4 * 4 * N * N / 2**20))


def fisher_mem_mb(wildcards, attempt):
    """A few N x N float64 matrices per network plus the simulation state."""
    N = max(p["values"]["N"] for p in SHARDS["fisher"][wildcards.shard])
    return int(attempt * (600 + 20 * 8 * N * N / 2**20))


def fisher_runtime(wildcards, attempt):
    """Minutes, generous."""
    return int(attempt * (10 + 2 * len(SHARDS["fisher"][wildcards.shard])))


def gradients_mem_mb(wildcards, attempt):
    """Z, the state history (q_max x N x gains) and the probes."""
    N = max(p["values"]["N"] for p in SHARDS["gradients"][wildcards.shard])
    return int(attempt * (600 + 12 * 8 * N * N / 2**20))


def gradients_runtime(wildcards, attempt):
    """Minutes, generous."""
    return int(attempt * (10 + 2 * len(SHARDS["gradients"][wildcards.shard])))


def hopfield_runtime(wildcards, attempt):
    """Minutes: the bundling cost model (seconds per point of 10 networks, N^3; ~6x the
    measured time at N = 32000), scaled to the configured number of networks."""
    from analysis.config import COST

    pts = SHARDS["hopfield"][wildcards.shard]
    scale = config["hopfield"]["n_networks"] / 10
    return int(attempt * (10 + sum(COST["hopfield"](p["values"]) for p in pts) * scale / 60))


def reservoir_mem_mb(wildcards, attempt):
    """Moments of four segments, the state chunk and the scratch products (float64)."""
    rc = config["reservoir"]
    N = max(p["values"]["N"] for p in SHARDS["reservoir"][wildcards.shard])
    n = rc["n_seeds"] * len(rc["rho"]) * N * (5 * N + 6 * (rc["k_max"] + 1) + 1000)
    n += 4 * rc["n_seeds"] * rc["T"]  # the input series and its copies (float64)
    return int(attempt * (600 + 8 * n / 2**20))


def lsm_mem_mb(wildcards, attempt):
    """Recorded liquid states (float32) and their float64 differences, synapse states."""
    lc = config["lsm"]
    N = max(p["values"]["N"] for p in SHARDS["lsm"][wildcards.shard])
    trials = lc["n_pairs"] * (len(lc["distances"]) + 1)
    n_rec = round(lc["T"] / lc["dt"]) // lc["record_every"]
    # ~28 bytes per recorded state element at the readout's peak (measured), plus the
    # per-trial synapse arrays of a block and the simulation state
    return int(attempt * (800 + 28 * trials * n_rec * N / 2**20))


def lsm_runtime(wildcards, attempt):
    """Minutes, generous: ~1 s per 10^7 neuron-steps on one core, times 3."""
    lc = config["lsm"]
    steps = lc["T"] / lc["dt"] * lc["n_pairs"] * (len(lc["distances"]) + 1)
    work = sum(p["values"]["N"] * steps for p in SHARDS["lsm"][wildcards.shard])
    return int(attempt * (10 + 3 * work / 1e7 / 60))


def reservoir_runtime(wildcards, attempt):
    """Minutes: ~2.7e-12 min per seed x radius x step x (N^2 + N K) on one core (measured
    for the large preset, N = 25..400), times 2, plus start-up."""
    rc = config["reservoir"]
    K = rc["k_max"] + 1
    work = sum(rc["n_seeds"] * len(rc["rho"]) * rc["T"] * (p["values"]["N"] ** 2
                                                           + p["values"]["N"] * K)
               for p in SHARDS["reservoir"][wildcards.shard])
    return int(attempt * (10 + 5.4e-12 * work))


def post_mem_mb(study):
    """merge/checks/figures: the merged dataset grows with the number of shards."""
    return lambda wildcards, attempt: int(attempt * (1000 + 20 * len(SHARDS[study])))


def post_runtime(wildcards, attempt):
    return 10 * attempt
