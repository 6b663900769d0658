// torch's random generator and thread count are process-wide: tests that seed it (determinism, MC-dropout) would
// be disturbed by others running at the same time, so this assembly's tests run one at a time.
[assembly: Xunit.v3.Parallelization(Mode = Xunit.Sdk.ParallelMode.None)]
