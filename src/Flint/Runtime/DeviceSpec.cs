using TorchSharp;

namespace Flint.Runtime;

/// <summary>
/// A device the user asked for: <c>cpu</c>, <c>cuda</c>, <c>cuda:N</c> or <c>auto</c> (CUDA when TorchSharp sees a GPU, else CPU).
/// The CPU build of TorchSharp served here never reports CUDA; swapping in TorchSharp-cuda-linux makes <c>auto</c> pick the GPU.
/// </summary>
public sealed record DeviceSpec
{
    DeviceSpec(string text) => Text = text;

    /// <summary>The spelling the user gave, normalised to lower case.</summary>
    public string Text { get; }

    /// <summary>The CPU.</summary>
    public static DeviceSpec Cpu { get; } = new("cpu");

    /// <summary>Parses a device name; throws <see cref="ArgumentException"/> naming the accepted spellings.</summary>
    public static DeviceSpec Parse(string text)
    {
        var t = text.Trim().ToLowerInvariant();
        if (t is "cpu" or "cuda" or "auto") return new DeviceSpec(t);
        if (t.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(t.AsSpan(5), out var index) && index >= 0) return new DeviceSpec(t);
        throw new ArgumentException($"Unknown device '{text}'. Expected one of: cpu, cuda, cuda:N, auto.", nameof(text));
    }

    /// <summary>Resolves to a TorchSharp device, failing clearly when CUDA was asked for and is not there.</summary>
    public torch.Device Resolve()
    {
        Native.TorchNative.EnsureLoaded();
        if (Text == "auto") return torch.cuda.is_available() ? torch.CUDA : torch.CPU;
        if (Text == "cpu") return torch.CPU;
        if (!torch.cuda.is_available())
            throw new InvalidOperationException(
                $"Device '{Text}' was requested but TorchSharp sees no CUDA device. This build references TorchSharp-cpu; " +
                "reference TorchSharp-cuda-linux instead for a GPU, or pass --device cpu.");
        return new torch.Device(Text);
    }

    /// <inheritdoc />
    public override string ToString() => Text;
}
