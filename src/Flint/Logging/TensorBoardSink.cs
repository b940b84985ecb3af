using TorchSharp;
using TorchSharp.Modules;

namespace Flint.Logging;

/// <summary>
/// Writes scalars to a TensorBoard event file (TorchSharp's SummaryWriter) with the optimizer step as the x-axis and the
/// record's wall time. <c>tensorboard --logdir DIR</c> reads it.
/// </summary>
public sealed class TensorBoardSink : ILogSink
{
    readonly SummaryWriter _writer;
    readonly long _start = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    /// <summary>Writes into <paramref name="directory"/> (created if missing).</summary>
    public TensorBoardSink(string directory)
    {
        System.IO.Directory.CreateDirectory(directory);
        Directory = directory;
        _writer = torch.utils.tensorboard.SummaryWriter(directory);
    }

    /// <summary>The folder holding the event file.</summary>
    public string Directory { get; }

    /// <inheritdoc />
    public void Write(IReadOnlyList<LogRecord> records)
    {
        foreach (var r in records)
        {
            if (r.Step > int.MaxValue) throw new InvalidOperationException($"TensorBoard steps are 32-bit; step {r.Step} does not fit.");
            _writer.add_scalar(r.Name, (float)r.Value, (int)r.Step, _start + (long)r.WallSeconds);
        }
    }

    /// <inheritdoc />
    public void Dispose() { }
}
