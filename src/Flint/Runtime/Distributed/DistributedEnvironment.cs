namespace Flint.Runtime.Distributed;

/// <summary>
/// Finds out whether this process is one rank of an MPI job (Open MPI sets <c>OMPI_COMM_WORLD_SIZE</c>), and gives the
/// process's one context. Without MPI in the environment nothing MPI-related is loaded.
/// </summary>
public static class DistributedEnvironment
{
    static IDistributedContext? _current;
    static readonly Lock Gate = new();

    /// <summary>True when Open MPI launched this process as one of several ranks.</summary>
    public static bool UnderMpi => int.TryParse(Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE"), out var size) && size > 1;

    /// <summary>This process's context: MPI when launched by <c>mpirun -np N</c> (N &gt; 1), else a single process.</summary>
    public static IDistributedContext Current
    {
        get
        {
            lock (Gate) return _current ??= UnderMpi ? MpiContext.Initialize() : SingleProcess.Instance;
        }
    }
}
