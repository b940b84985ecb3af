namespace Flint.Training;

/// <summary>Training produced a NaN or infinite loss or gradient; the message says where and what to try.</summary>
public sealed class NonFiniteLossException(string message) : Exception(message);
