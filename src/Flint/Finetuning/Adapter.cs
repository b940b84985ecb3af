using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Flint.Finetuning;

/// <summary>A bottleneck adapter (Houlsby et al. 2019): y + up(GELU(down(y))), with <c>up</c> zero-initialised so it starts as the identity.</summary>
public sealed class Adapter : nn.Module<Tensor, Tensor>
{
    readonly Linear down, up;

    /// <summary>Creates an adapter for width <paramref name="width"/> with a <paramref name="bottleneck"/>-wide middle.</summary>
    public Adapter(long width, int bottleneck) : base("adapter")
    {
        down = nn.Linear(width, bottleneck);
        up = nn.Linear(bottleneck, width);
        RegisterComponents();
        using var noGrad = no_grad();
        nn.init.normal_(down.weight!, 0, 0.01);
        nn.init.zeros_(up.weight!);
        nn.init.zeros_(up.bias!);
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor y) => y + up.call(nn.functional.gelu(down.call(y)));
}
