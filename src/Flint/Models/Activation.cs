namespace Flint.Models;

/// <summary>A feed-forward activation, named as HuggingFace's <c>activation_function</c> / <c>hidden_act</c> names it.</summary>
public enum Activation
{
    /// <summary>Exact GELU, x·Φ(x) (HF's <c>gelu</c>): Flint's default.</summary>
    Gelu,
    /// <summary>GELU's tanh approximation, 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) (HF's <c>gelu_new</c>): what GPT-2 was trained with.</summary>
    GeluNew,
}
