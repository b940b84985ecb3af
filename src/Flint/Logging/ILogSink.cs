namespace Flint.Logging;

/// <summary>Receives reduced values in batches (at each flush). Sinks never see tensors and never cause a device sync.</summary>
public interface ILogSink : IDisposable
{
    /// <summary>Writes a batch of records. Called on the training thread; keep it quick.</summary>
    void Write(IReadOnlyList<LogRecord> records);
}
