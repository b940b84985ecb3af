namespace Flint.Tracking;

/// <summary>No run (or more than one) in the runs index matches an id the user gave; the message says which and what to do.</summary>
public sealed class RunNotFoundException(string message) : KeyNotFoundException(message);
