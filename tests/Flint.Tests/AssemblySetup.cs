// libtorch's RNG, thread count and deterministic flags are process-wide, so tests that train must not interleave.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
