using Flint.Checkpoints;
using Flint.Models;
using Flint.Tests.Cli;
using Flint.Tests.Workflow;
using Flint.Workflow;
using Flint.Workflow.Specs;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Flint.Tests.Interop;

/// <summary>
/// fp16/bf16 HuggingFace files: refused by default with a message naming <c>--weights.dtype</c>, cast to float32 on load
/// with it. The half-precision bytes are computed here directly (IEEE half through System.Half; bfloat16 by
/// round-to-nearest-even on the top 16 bits of each float32), not by TorchSharp.
/// </summary>
public sealed class HalfPrecisionWeightsTests(ITestOutputHelper output)
{
    /// <summary>float32 → bfloat16 bits, round to nearest, ties to even (what PyTorch's .to(torch.bfloat16) does for finite values).</summary>
    static ushort Bf16(float x)
    {
        uint bits = BitConverter.SingleToUInt32Bits(x);
        return (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
    }

    /// <summary>The half-precision bits of each value, and the float32 each widens back to.</summary>
    static (ushort[] Bits, float[] Widened) Halve(float[] values, string dtype) => dtype == "BF16"
        ? (values.Select(Bf16).ToArray(), values.Select(v => BitConverter.UInt32BitsToSingle((uint)Bf16(v) << 16)).ToArray())
        : (values.Select(v => BitConverter.HalfToUInt16Bits((Half)v)).ToArray(), values.Select(v => (float)(Half)v).ToArray());

    /// <summary>A HF BERT folder (bert-nano shape, BertForMaskedLM names) whose float tensors are stored as <paramref name="dtype"/>; returns the float32 values a cast must give.</summary>
    static (Dictionary<string, float[]> Widened, Dictionary<string, float[]> Original) HalfFolder(string folder, string dtype)
    {
        manual_seed(31);
        var config = ModelPresets.Get("bert-nano").ToBert(30522, dropout: 0);
        var reference = new Bert(config);
        var (widened, original) = (new Dictionary<string, float[]>(), new Dictionary<string, float[]>());
        var tensors = new List<(string, Tensor)>();
        foreach (var (name, t) in reference.state_dict())
        {
            var values = t.data<float>().ToArray();
            var (bits, back) = Halve(values, dtype);
            var half = empty(t.shape, dtype == "BF16" ? ScalarType.BFloat16 : ScalarType.Float16);
            System.Runtime.InteropServices.MemoryMarshal.AsBytes(bits.AsSpan()).CopyTo(half.bytes);
            tensors.Add((name, half));
            (widened[name], original[name]) = (back, values);
        }
        Safetensors.Write(Path.Combine(folder, "model.safetensors"), tensors);
        HfBertConfig.From(config).Write(Path.Combine(folder, "config.json"));
        File.Copy(TestPaths.Data("vocab", "bert-base-uncased", "vocab.txt"), Path.Combine(folder, "vocab.txt"));
        return (widened, original);
    }

    [Fact]
    public void Half_precision_weights_are_refused_by_default_with_a_message_naming_the_flag()
    {
        using var folder = TestPaths.NewTempFolder();
        HalfFolder(folder.Path, "F16");

        var error = Assert.Throws<InvalidDataException>(() => PretrainedSource.Resolve(new FinetuneSpec { From = folder.Path }));
        Assert.Contains($"{folder.File("model.safetensors")}: tensor 'bert.embeddings.word_embeddings.weight' is F16", error.Message);
        Assert.Contains("Pass --weights.dtype float32", error.Message);

        var (exit, stdout, stderr) = CliRunner.Run("finetune", "--from", folder.Path, "--data", CliWorkflowTests.Labelled(folder, perClass: 10), "--out", folder.File("ft"));
        Assert.NotEqual(0, exit);
        Assert.Contains("--weights.dtype float32", stdout + stderr);
    }

    [Theory]
    [InlineData("F16")]
    [InlineData("BF16")]
    public void With_weights_dtype_float32_half_precision_weights_load_widened_exactly(string dtype)
    {
        using var folder = TestPaths.NewTempFolder();
        var (widened, original) = HalfFolder(folder.Path, dtype);

        var source = PretrainedSource.Resolve(new FinetuneSpec { From = folder.Path, Weights = new() { Dtype = WeightsDtype.Float32 } });

        Assert.Contains("missing 0, unexpected 0, mismatched 0", source.LoadReport);
        double worstRounding = 0;
        foreach (var (name, tensor) in ((Bert)source.Body).state_dict())
        {
            Assert.Equal(ScalarType.Float32, tensor.dtype);
            var loaded = tensor.data<float>().ToArray();
            Assert.True(loaded.SequenceEqual(widened[name]), $"{name}: the loaded values are not the {dtype} values widened");
            for (int i = 0; i < loaded.Length; i++)
            {
                double rounding = Math.Abs(loaded[i] - original[name][i]);
                Assert.True(rounding <= Math.Abs(original[name][i]) * (dtype == "BF16" ? 1.0 / 256 : 1.0 / 2048) + 1e-7, $"{name}[{i}]: {original[name][i]} became {loaded[i]}");
                worstRounding = Math.Max(worstRounding, rounding);
            }
        }
        output.WriteLine($"{dtype}: largest rounding of the float32 originals {worstRounding:E2}");
        Assert.True(worstRounding > 0, "the file should hold rounded values, or the test shows nothing");
    }

    [Fact]
    public void Finetune_with_weights_dtype_float32_trains_from_a_bf16_folder_through_the_cli()
    {
        using var folder = TestPaths.NewTempFolder();
        var model = folder.File("bf16");
        Directory.CreateDirectory(model);
        HalfFolder(model, "BF16");
        var (exit, stdout, stderr) = CliRunner.Run("finetune", "--from", model, "--weights.dtype", "float32", "--data", CliWorkflowTests.Labelled(folder, perClass: 20),
            "--out", folder.File("ft"), "--trainer.max-steps", "2", "--data.batch-size", "8", "--data.max-length", "32", "--trainer.progress", "false");
        Assert.True(exit == 0, stdout + stderr);
        Assert.Contains("HuggingFace BERT from", stdout);
    }
}
