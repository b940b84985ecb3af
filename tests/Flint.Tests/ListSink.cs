using Flint.Logging;

namespace Flint.Tests;

/// <summary>A sink that keeps what it is given.</summary>
internal sealed class ListSink : ILogSink
{
    public List<LogRecord> Records { get; } = [];
    public void Write(IReadOnlyList<LogRecord> records) => Records.AddRange(records);
    public void Dispose() { }
}

/// <summary>A clock the test moves by hand.</summary>
internal sealed class ManualClock : TimeProvider
{
    long _ticks;
    public void Advance(TimeSpan by) => _ticks += by.Ticks;
    public override long GetTimestamp() => _ticks;
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;
}
