using System.Runtime.InteropServices;

namespace Flint.Runtime.Distributed;

/// <summary>
/// Open MPI's C API, loaded only when a job runs under MPI (single-process users need no MPI installed). Functions are
/// bound by address from <c>libmpi.so.40</c>; Open MPI's handles (<c>MPI_COMM_WORLD</c>, datatypes, ops) are exported data
/// symbols whose addresses are the handles.
/// </summary>
internal sealed unsafe class MpiNative
{
    const string Library = "libmpi.so.40";
    public static readonly IntPtr InPlace = 1; // MPI_IN_PLACE in Open MPI's mpi.h

    readonly IntPtr _lib;

    MpiNative(IntPtr lib)
    {
        _lib = lib;
        Init = (delegate* unmanaged[Cdecl]<int*, byte***, int>)Export("MPI_Init");
        Initialized = (delegate* unmanaged[Cdecl]<int*, int>)Export("MPI_Initialized");
        Finalize = (delegate* unmanaged[Cdecl]<int>)Export("MPI_Finalize");
        CommRank = (delegate* unmanaged[Cdecl]<IntPtr, int*, int>)Export("MPI_Comm_rank");
        CommSize = (delegate* unmanaged[Cdecl]<IntPtr, int*, int>)Export("MPI_Comm_size");
        Allreduce = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr, int, IntPtr, IntPtr, IntPtr, int>)Export("MPI_Allreduce");
        Bcast = (delegate* unmanaged[Cdecl]<IntPtr, int, IntPtr, int, IntPtr, int>)Export("MPI_Bcast");
        Barrier = (delegate* unmanaged[Cdecl]<IntPtr, int>)Export("MPI_Barrier");
        Abort = (delegate* unmanaged[Cdecl]<IntPtr, int, int>)Export("MPI_Abort");
        CommWorld = Export("ompi_mpi_comm_world");
        Float = Export("ompi_mpi_float");
        Double = Export("ompi_mpi_double");
        Int64 = Export("ompi_mpi_int64_t");
        Byte = Export("ompi_mpi_byte");
        Sum = Export("ompi_mpi_op_sum");
        Max = Export("ompi_mpi_op_max");
    }

    public delegate* unmanaged[Cdecl]<int*, byte***, int> Init { get; }
    public delegate* unmanaged[Cdecl]<int*, int> Initialized { get; }
    public delegate* unmanaged[Cdecl]<int> Finalize { get; }
    public delegate* unmanaged[Cdecl]<IntPtr, int*, int> CommRank { get; }
    public delegate* unmanaged[Cdecl]<IntPtr, int*, int> CommSize { get; }
    public delegate* unmanaged[Cdecl]<IntPtr, IntPtr, int, IntPtr, IntPtr, IntPtr, int> Allreduce { get; }
    public delegate* unmanaged[Cdecl]<IntPtr, int, IntPtr, int, IntPtr, int> Bcast { get; }
    public delegate* unmanaged[Cdecl]<IntPtr, int> Barrier { get; }
    public delegate* unmanaged[Cdecl]<IntPtr, int, int> Abort { get; }
    public IntPtr CommWorld { get; }
    public IntPtr Float { get; }
    public IntPtr Double { get; }
    public IntPtr Int64 { get; }
    public IntPtr Byte { get; }
    public IntPtr Sum { get; }
    public IntPtr Max { get; }

    IntPtr Export(string name) => NativeLibrary.GetExport(_lib, name);

    /// <summary>Loads Open MPI, or explains how to install it.</summary>
    public static MpiNative Load()
    {
        if (!NativeLibrary.TryLoad(Library, out var lib))
            throw new DllNotFoundException(
                $"This process runs under MPI but {Library} (Open MPI 4) cannot be loaded. Install it: sudo apt-get install openmpi-bin libopenmpi-dev");
        return new MpiNative(lib);
    }

    /// <summary>Throws when an MPI call did not return MPI_SUCCESS.</summary>
    public static void Check(int code, string call)
    {
        if (code != 0) throw new InvalidOperationException($"{call} failed with MPI error code {code}.");
    }
}
