using System.Text.Json;
using Flint.Checkpoints;
using Flint.Models;
using Flint.Text.Tokenizers;
using Flint.Workflow;
using Flint.Workflow.Specs;
using TorchSharp;
using static TorchSharp.torch;

namespace Flint.Tests.Interop;

/// <summary>
/// <c>--from</c> a HuggingFace RoBERTa folder, written in exactly HF's layouts: loads into Flint's BERT with positions
/// offset past the padding id, and its hidden states equal RoBERTa's forward computed directly from the HF-named tensors
/// on a padded batch (where BERT's positions 0…T−1 would be wrong everywhere).
/// </summary>
public sealed class HuggingFaceRobertaTests(Xunit.Abstractions.ITestOutputHelper output)
{
    const int Width = 32, Layers = 2, Heads = 4, FeedForward = 64, Context = 16, Pad = 1;
    const double Eps = 1e-5;

    /// <summary>RoBERTa's byte-level vocabulary in HF's order: &lt;s&gt; &lt;pad&gt; &lt;/s&gt; &lt;unk&gt;, the 256 byte characters, a few merges, &lt;mask&gt;.</summary>
    internal static void WriteTokenizer(string folder)
    {
        (string, string)[] merges = [("Ġ", "t"), ("h", "e"), ("Ġt", "he"), ("Ġ", "a"), ("i", "n")];
        var tokens = new List<string> { "<s>", "<pad>", "</s>", "<unk>" };
        tokens.AddRange(ByteLevel.ByteToChar.Select(c => c.ToString()));
        tokens.AddRange(merges.Select(m => m.Item1 + m.Item2));
        tokens.Add("<mask>");
        File.WriteAllText(Path.Combine(folder, "vocab.json"), JsonSerializer.Serialize(tokens.Select((t, i) => (t, i)).ToDictionary(p => p.t, p => p.i)));
        File.WriteAllText(Path.Combine(folder, "merges.txt"), "#version: 0.2\n" + string.Concat(merges.Select(m => $"{m.Item1} {m.Item2}\n")));
    }

    const int Vocab = 4 + 256 + 5 + 1;

    static void WriteConfig(string folder, string architecture, int maxPositions = Context + Pad + 1) =>
        File.WriteAllText(Path.Combine(folder, "config.json"), JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["architectures"] = new[] { architecture }, ["model_type"] = "roberta", ["vocab_size"] = Vocab, ["hidden_size"] = Width,
            ["num_hidden_layers"] = Layers, ["num_attention_heads"] = Heads, ["intermediate_size"] = FeedForward, ["hidden_act"] = "gelu",
            ["max_position_embeddings"] = maxPositions, ["type_vocab_size"] = 1, ["layer_norm_eps"] = Eps, ["pad_token_id"] = Pad,
            ["bos_token_id"] = 0, ["eos_token_id"] = 2, ["position_embedding_type"] = "absolute",
        }));

    /// <summary>Random tensors with RobertaForMaskedLM's names and shapes (body under <c>roberta.</c>), tied decoder included as HF's .bin has it.</summary>
    static Dictionary<string, Tensor> RobertaFile()
    {
        var w = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        void Add(string name, params long[] shape) => w[name] = (randn(shape) * 0.1f).contiguous();
        void Linear(string name, long output, long input) { Add(name + ".weight", output, input); Add(name + ".bias", output); }
        void Norm(string name) { w[name + ".weight"] = (ones(Width) + randn(Width) * 0.1f).contiguous(); Add(name + ".bias", Width); }
        Add("roberta.embeddings.word_embeddings.weight", Vocab, Width);
        Add("roberta.embeddings.position_embeddings.weight", Context + Pad + 1, Width);
        Add("roberta.embeddings.token_type_embeddings.weight", 1, Width);
        Norm("roberta.embeddings.LayerNorm");
        w["roberta.embeddings.position_ids"] = arange(Context + Pad + 1).unsqueeze(0);
        for (int i = 0; i < Layers; i++)
        {
            var p = $"roberta.encoder.layer.{i}.";
            foreach (var lin in new[] { "attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense" }) Linear(p + lin, Width, Width);
            Norm(p + "attention.output.LayerNorm");
            Linear(p + "intermediate.dense", FeedForward, Width);
            Linear(p + "output.dense", Width, FeedForward);
            Norm(p + "output.LayerNorm");
        }
        Linear("lm_head.dense", Width, Width);
        Norm("lm_head.layer_norm");
        Add("lm_head.bias", Vocab);
        w["lm_head.decoder.weight"] = w["roberta.embeddings.word_embeddings.weight"];
        w["lm_head.decoder.bias"] = w["lm_head.bias"];
        return w;
    }

    /// <summary>HF's create_position_ids_from_input_ids, written out with plain loops: a running count of non-padding tokens, offset by the padding id.</summary>
    static Tensor HfPositions(Tensor ids)
    {
        var rows = ids.shape[0];
        var cols = ids.shape[1];
        var flat = ids.data<long>().ToArray();
        var positions = new long[flat.Length];
        for (long b = 0; b < rows; b++)
        {
            long seen = 0;
            for (long t = 0; t < cols; t++)
            {
                long i = b * cols + t;
                positions[i] = flat[i] == Pad ? Pad : Pad + ++seen;
            }
        }
        return tensor(positions).view(rows, cols);
    }

    /// <summary>RoBERTa's forward (HF's modeling_roberta, eval mode) on the file's tensors, by their HF names; <paramref name="positions"/> as given.</summary>
    internal static Tensor RobertaForward(IReadOnlyDictionary<string, Tensor> w, Tensor ids, Tensor mask, Tensor positions, int heads = Heads, double eps = Eps)
    {
        Tensor W(string name) => w["roberta." + name];
        var (b, t) = (ids.shape[0], ids.shape[1]);
        var x = W("embeddings.word_embeddings.weight")[ids] + W("embeddings.token_type_embeddings.weight")[zeros_like(ids)] + W("embeddings.position_embeddings.weight")[positions];
        long d = x.shape[2], hs = d / heads;
        x = nn.functional.layer_norm(x, [d], W("embeddings.LayerNorm.weight"), W("embeddings.LayerNorm.bias"), eps);
        var additive = (1 - mask.to_type(ScalarType.Float32)).view(b, 1, 1, t) * float.MinValue; // HF's extended attention mask
        for (int i = 0; w.ContainsKey($"roberta.encoder.layer.{i}.attention.self.query.weight"); i++)
        {
            string p = $"encoder.layer.{i}.";
            Tensor Lin(string name, Tensor input) => nn.functional.linear(input, W(p + name + ".weight"), W(p + name + ".bias"));
            Tensor Split(Tensor y) => y.view(b, t, heads, hs).transpose(1, 2); // (B, nh, T, hs)
            var (q, k, v) = (Split(Lin("attention.self.query", x)), Split(Lin("attention.self.key", x)), Split(Lin("attention.self.value", x)));
            var scores = q.matmul(k.transpose(-2, -1)) / Math.Sqrt(hs) + additive;
            var context = scores.softmax(-1).matmul(v).transpose(1, 2).reshape(b, t, d); // (B, T, C)
            x = nn.functional.layer_norm(Lin("attention.output.dense", context) + x, [d], W(p + "attention.output.LayerNorm.weight"), W(p + "attention.output.LayerNorm.bias"), eps);
            var hidden = nn.functional.gelu(Lin("intermediate.dense", x));
            x = nn.functional.layer_norm(Lin("output.dense", hidden) + x, [d], W(p + "output.LayerNorm.weight"), W(p + "output.LayerNorm.bias"), eps);
        }
        return x;
    }

    /// <summary>RobertaLMHead: dense, GELU, LayerNorm, then the decoder (tied word embeddings) plus lm_head.bias.</summary>
    internal static Tensor RobertaLmHead(IReadOnlyDictionary<string, Tensor> w, Tensor hidden, double eps = Eps)
    {
        var h = nn.functional.gelu(nn.functional.linear(hidden, w["lm_head.dense.weight"], w["lm_head.dense.bias"]));
        h = nn.functional.layer_norm(h, [h.shape[^1]], w["lm_head.layer_norm.weight"], w["lm_head.layer_norm.bias"], eps);
        return nn.functional.linear(h, w["lm_head.decoder.weight"], w["lm_head.bias"]);
    }

    /// <summary>A batch framed as RoBERTa's tokenizer frames it: &lt;s&gt; … &lt;/s&gt;, then &lt;pad&gt; up to the longest row.</summary>
    static (Tensor Ids, Tensor Mask) PaddedBatch()
    {
        int[] lengths = [Context, 9, 4];
        var ids = full(lengths.Length, Context, Pad, ScalarType.Int64);
        for (int row = 0; row < lengths.Length; row++)
        {
            ids[row, TensorIndex.Slice(0, lengths[row])] = randint(4, Vocab, [lengths[row]]);
            ids[row, 0] = 0;
            ids[row, lengths[row] - 1] = 2;
        }
        return (ids, ids.ne(Pad).to_type(ScalarType.Int64));
    }

    static float MaxAbs(Tensor a, Tensor b) => (a - b).abs().max().item<float>();

    [Fact]
    public void A_roberta_for_masked_lm_folder_gives_robertas_hidden_states_and_mlm_logits_on_a_padded_batch()
    {
        using var folder = TestPaths.NewTempFolder();
        manual_seed(21);
        var tensors = RobertaFile();
        Safetensors.Write(folder.File("model.safetensors"), tensors.Select(kv => (kv.Key, kv.Value)));
        WriteConfig(folder.Path, "RobertaForMaskedLM");
        WriteTokenizer(folder.Path);

        var source = PretrainedSource.Resolve(new FinetuneSpec { From = folder.Path, Model = new() { Dropout = 0 } });

        Assert.Contains("HuggingFace RoBERTa from", source.LoadReport);
        Assert.Contains("loaded 42, missing 0, unexpected 0, mismatched 0;", source.LoadReport); // body and MLM head; tied decoder and position_ids are no parameters
        var bert = Assert.IsType<Bert>(source.Body);
        Assert.Equal(Context, bert.ContextLength); // 18 position rows hold 16 tokens past the padding offset
        bert.eval();
        using var noGrad = no_grad();
        var (ids, mask) = PaddedBatch();
        var positions = HfPositions(ids);
        Assert.Equal([2L, 3, 4, 5, 1, 1], positions[2, TensorIndex.Slice(0, 6)].data<long>().ToArray()); // the trap: padding gets 1, real tokens start at 2

        var expected = RobertaForward(tensors, ids, mask, positions);
        var found = bert.Encode(ids, mask);
        float hiddenDiff = MaxAbs(found, expected);
        output.WriteLine($"hidden states vs RoBERTa's forward: max abs difference {hiddenDiff:E2}");
        Assert.True(hiddenDiff < 1e-5f, $"hidden states: max abs difference {hiddenDiff}");
        // With BERT's positions 0…T−1 the same weights give other hidden states: the comparison can see a wrong offset.
        var bertPositions = arange(Context).unsqueeze(0).expand(ids.shape[0], -1);
        Assert.True(MaxAbs(RobertaForward(tensors, ids, mask, bertPositions), expected) > 1e-2f);

        var withHead = new Bert(bert.Config);
        var report = HuggingFaceWeights.LoadRoberta(withHead, new HfWeightFile(folder.File("model.safetensors")), usesMlmHead: true);
        Assert.True(report.IsExact, report.Describe());
        withHead.eval();
        float logitDiff = MaxAbs(withHead.call(ids, mask), RobertaLmHead(tensors, expected));
        output.WriteLine($"MLM logits vs RoBERTa's lm_head: max abs difference {logitDiff:E2}");
        Assert.True(logitDiff < 1e-4f, $"MLM logits: max abs difference {logitDiff}");
    }

    [Fact]
    public void A_roberta_model_file_without_the_prefix_loads_with_its_pooler_and_the_absent_mlm_head_reported_as_not_used()
    {
        using var folder = TestPaths.NewTempFolder();
        manual_seed(22);
        var tensors = RobertaFile();
        // RobertaModel saves the body with bare names and a pooler, and has no lm_head.
        var bare = tensors.Where(kv => kv.Key.StartsWith("roberta.", StringComparison.Ordinal)).Select(kv => (kv.Key["roberta.".Length..], kv.Value)).ToList();
        bare.AddRange([("pooler.dense.weight", randn(Width, Width)), ("pooler.dense.bias", randn(Width))]);
        Safetensors.Write(folder.File("model.safetensors"), bare);
        WriteConfig(folder.Path, "RobertaModel");
        WriteTokenizer(folder.Path);

        var source = PretrainedSource.Resolve(new FinetuneSpec { From = folder.Path, Model = new() { Dropout = 0 } });

        Assert.Contains("missing 0, unexpected 0, mismatched 0, not used 7", source.LoadReport); // 5 cls.* tensors absent, 2 pooler tensors present
        Assert.Contains("not used   bert.pooler.dense.weight", source.LoadReport);
        Assert.Contains("not used   cls.predictions.bias", source.LoadReport);
        var bert = (Bert)source.Body;
        bert.eval();
        using var noGrad = no_grad();
        var (ids, mask) = PaddedBatch();
        var diff = MaxAbs(bert.Encode(ids, mask), RobertaForward(tensors, ids, mask, HfPositions(ids)));
        Assert.True(diff < 1e-5f, $"max abs difference {diff}");
    }

    [Fact]
    public void A_roberta_for_sequence_classification_file_reports_its_classification_head_as_not_used()
    {
        using var folder = TestPaths.NewTempFolder();
        manual_seed(23);
        var tensors = RobertaFile().Where(kv => kv.Key.StartsWith("roberta.", StringComparison.Ordinal)).Select(kv => (kv.Key, kv.Value)).ToList();
        tensors.AddRange([("classifier.dense.weight", randn(Width, Width)), ("classifier.dense.bias", randn(Width)),
            ("classifier.out_proj.weight", randn(2, Width)), ("classifier.out_proj.bias", randn(2))]);
        Safetensors.Write(folder.File("model.safetensors"), tensors);
        WriteConfig(folder.Path, "RobertaForSequenceClassification");
        WriteTokenizer(folder.Path);

        var source = PretrainedSource.Resolve(new FinetuneSpec { From = folder.Path });

        Assert.Contains("missing 0, unexpected 0, mismatched 0, not used 9", source.LoadReport); // 4 classifier tensors, 5 absent cls.* tensors
        Assert.Contains("not used   classifier.dense.weight", source.LoadReport);
    }

    [Fact]
    public void The_roberta_tokenizer_frames_examples_with_s_and_slash_s_and_pads_with_its_pad_id()
    {
        using var folder = TestPaths.NewTempFolder();
        WriteTokenizer(folder.Path);
        var tokenizer = ByteLevelBpeTokenizer.Load(folder.Path);
        Assert.Equal((0, 1, 2, 3, Vocab - 1), (tokenizer.Specials.Cls!.Value, tokenizer.Specials.Pad!.Value, tokenizer.Specials.Sep!.Value, tokenizer.Specials.Unk!.Value, tokenizer.Specials.Mask!.Value));
        Assert.Equal((0, 2), (tokenizer.Specials.Bos!.Value, tokenizer.Specials.Eos!.Value));
        var vocab = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(folder.File("vocab.json")))!;
        Assert.Equal([vocab["Ġthe"], vocab["Ġa"], vocab["t"], vocab["he"]], tokenizer.Encode(" the athe")); // merges apply in rank order, GPT-2's split keeps the space
        foreach (var line in File.ReadLines(TestPaths.Data("rt-polarity", "rt-polarity.pos")).Take(50))
            Assert.Equal(line, tokenizer.Decode(tokenizer.Encode(line)));

        var loader = new Flint.Text.Data.ClassificationLoader([new("a b", "x", "test", 1), new("in the tea", "y", "test", 2)], tokenizer, new Flint.Text.Data.LabelMap(["x", "y"]),
            new Flint.Text.Data.ClassificationLoaderOptions(BatchSize: 2, MaxLength: 16, Shuffle: false, PrependToken: tokenizer.Specials.Cls, AppendToken: tokenizer.Specials.Sep));
        var rows = loader.Batches(0).Single().Input;
        Assert.Equal([0L, vocab["in"], vocab["Ġthe"], vocab["Ġt"], vocab["e"], vocab["a"], 2], rows[1].data<long>().ToArray()); // <s> … </s>
        Assert.Equal([0L, vocab["a"], vocab["Ġ"], vocab["b"], 2, 1, 1], rows[0].data<long>().ToArray()); // padded with <pad> = 1, which RoBERTa's positions skip
    }

    [Fact]
    public void A_roberta_config_whose_positions_do_not_reach_past_the_padding_id_is_refused_naming_the_file_and_field()
    {
        using var folder = TestPaths.NewTempFolder();
        WriteConfig(folder.Path, "RobertaModel", maxPositions: 2);
        var error = Assert.Throws<InvalidDataException>(() => HfRobertaConfig.Read(folder.File("config.json")));
        Assert.Contains(folder.File("config.json"), error.Message);
        Assert.Contains("max_position_embeddings is 2; positions start at pad_token_id + 1 = 2", error.Message);
    }
}
