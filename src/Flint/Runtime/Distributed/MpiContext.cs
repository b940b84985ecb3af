using Flint.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Flint.Runtime.Distributed;

/// <summary>
/// Data parallelism over Open MPI, one process per rank (<c>mpirun -np N flint …</c>). Sums go through a few large
/// contiguous buffers (one per dtype, split into buckets of at most <see cref="BucketBytes"/>), so a step costs a handful
/// of <c>MPI_Allreduce</c> calls whatever the number of parameters.
/// </summary>
public sealed unsafe class MpiContext : IDistributedContext
{
    /// <summary>Largest buffer handed to one collective call.</summary>
    public const long BucketBytes = 64L << 20;

    readonly MpiNative _mpi;

    MpiContext(MpiNative mpi, int rank, int size)
    {
        _mpi = mpi;
        Rank = rank;
        WorldSize = size;
    }

    /// <inheritdoc />
    public int Rank { get; }

    /// <inheritdoc />
    public int WorldSize { get; }

    /// <summary>Initialises MPI (once per process) and returns this process's context.</summary>
    public static MpiContext Initialize()
    {
        var mpi = MpiNative.Load();
        int initialized, rank, size;
        MpiNative.Check(mpi.Initialized(&initialized), "MPI_Initialized");
        if (initialized == 0) MpiNative.Check(mpi.Init(null, null), "MPI_Init");
        MpiNative.Check(mpi.CommRank(mpi.CommWorld, &rank), "MPI_Comm_rank");
        MpiNative.Check(mpi.CommSize(mpi.CommWorld, &size), "MPI_Comm_size");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => mpi.Finalize();
        return new MpiContext(mpi, rank, size);
    }

    /// <inheritdoc />
    public void AllReduceSum(IReadOnlyList<Tensor> tensors) => Collective(tensors, (pointer, count, type) =>
        MpiNative.Check(_mpi.Allreduce(MpiNative.InPlace, pointer, count, type, _mpi.Sum, _mpi.CommWorld), "MPI_Allreduce"));

    /// <inheritdoc />
    public void AllReduceMax(IReadOnlyList<Tensor> tensors) => Collective(tensors, (pointer, count, type) =>
        MpiNative.Check(_mpi.Allreduce(MpiNative.InPlace, pointer, count, type, _mpi.Max, _mpi.CommWorld), "MPI_Allreduce"));

    /// <inheritdoc />
    public void Broadcast(IReadOnlyList<Tensor> tensors, int root = 0) => Collective(tensors, (pointer, count, type) =>
        MpiNative.Check(_mpi.Bcast(pointer, count, type, root, _mpi.CommWorld), "MPI_Bcast"));

    /// <inheritdoc />
    public void Barrier() => MpiNative.Check(_mpi.Barrier(_mpi.CommWorld), "MPI_Barrier");

    /// <summary>Stops every rank (after a failure on this one, so no rank waits forever in a collective).</summary>
    public void Abort(int code) => _mpi.Abort(_mpi.CommWorld, code);

    /// <summary>Packs the tensors of each dtype into contiguous CPU buckets, runs <paramref name="call"/> on each, and copies the results back.</summary>
    void Collective(IReadOnlyList<Tensor> tensors, Action<IntPtr, int, IntPtr> call)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var group in tensors.GroupBy(t => t.dtype))
        {
            var (type, size) = DataType(group.Key);
            long perBucket = BucketBytes / size;
            var bucket = new List<Tensor>();
            long elements = 0;
            foreach (var tensor in group)
            {
                if (elements > 0 && elements + tensor.numel() > perBucket) { Run(bucket, type, call); bucket.Clear(); elements = 0; }
                bucket.Add(tensor);
                elements += tensor.numel();
            }
            if (bucket.Count > 0) Run(bucket, type, call);
        }
    }

    static void Run(List<Tensor> bucket, IntPtr type, Action<IntPtr, int, IntPtr> call)
    {
        var flat = cat(bucket.Select(t => t.detach().reshape(-1).cpu()).ToArray()).contiguous(); // one copy in (CPU: MPI reads host memory)
        fixed (byte* data = flat.bytes) call((IntPtr)data, checked((int)flat.numel()), type); // the span is the tensor's own memory
        long offset = 0;
        foreach (var t in bucket)
        {
            t.copy_(flat[TensorIndex.Slice(offset, offset + t.numel())].view_as(t)); // and one copy back
            offset += t.numel();
        }
    }

    (IntPtr Type, int Size) DataType(ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => (_mpi.Float, 4),
        ScalarType.Float64 => (_mpi.Double, 8),
        ScalarType.Int64 => (_mpi.Int64, 8),
        ScalarType.Byte or ScalarType.Bool => (_mpi.Byte, 1),
        _ => throw new NotSupportedException($"MPI collectives over {dtype} tensors are not supported; convert to float32, float64 or int64."),
    };
}
