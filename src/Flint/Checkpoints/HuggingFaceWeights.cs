using Flint.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Flint.Checkpoints;

/// <summary>
/// Loads HuggingFace GPT-2, BERT, DistilBERT and RoBERTa weight files (<see cref="HfWeightFile"/>: safetensors or
/// pytorch_model.bin) into Flint's models by name, with the few translations their layouts need: GPT-2's Conv1D weights
/// are stored transposed; keys may lack the <c>transformer.</c>/<c>bert.</c>/<c>roberta.</c> prefix; old BERT files say
/// <c>gamma</c>/<c>beta</c>; tied heads and attention-mask buffers are not parameters here.
/// </summary>
public static class HuggingFaceWeights
{
    static readonly string[] Conv1D = [".attn.c_attn.weight", ".attn.c_proj.weight", ".mlp.c_fc.weight", ".mlp.c_proj.weight"];

    /// <summary>Loads a GPT-2 safetensors file (GPT2Model or GPT2LMHeadModel layout) into <paramref name="model"/>.</summary>
    public static LoadReport LoadGpt2(Gpt model, HfWeightFile file, bool strict = true)
    {
        var raw = file.Read();
        var renamed = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (key, value) in raw)
        {
            var name = key.StartsWith("transformer.", StringComparison.Ordinal) || key.StartsWith("lm_head", StringComparison.Ordinal) ? key : "transformer." + key;
            renamed[name] = Conv1D.Any(name.EndsWith) ? value.t().contiguous().DetachFromDisposeScope() : value;
        }
        try
        {
            return WeightLoader.Load(model, renamed, strict, IgnoredGpt2, file.Path);
        }
        finally
        {
            foreach (var t in raw.Values.Concat(renamed.Values)) t.Dispose();
        }
    }

    /// <summary>
    /// Loads a BERT safetensors file (BertModel, BertForMaskedLM or BertForPreTraining layout) into <paramref name="model"/>.
    /// The pooler and the next-sentence head are never used by Flint and are reported as not used; with
    /// <paramref name="usesMlmHead"/> false (fine-tuning a classifier) the MLM head (<c>cls.*</c>) is not used either, so a
    /// BertModel file without it loads strictly.
    /// </summary>
    public static LoadReport LoadBert(Bert model, HfWeightFile file, bool strict = true, bool usesMlmHead = true)
    {
        var raw = file.Read();
        var renamed = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (key, value) in raw)
        {
            var name = key.StartsWith("bert.", StringComparison.Ordinal) || key.StartsWith("cls.", StringComparison.Ordinal) ? key : "bert." + key;
            name = name.Replace("LayerNorm.gamma", "LayerNorm.weight", StringComparison.Ordinal).Replace("LayerNorm.beta", "LayerNorm.bias", StringComparison.Ordinal);
            renamed[name] = value;
        }
        try
        {
            return WeightLoader.Load(model, renamed, strict, IgnoredBert, file.Path,
                notUsed: key => key.StartsWith("bert.pooler.", StringComparison.Ordinal) || key.StartsWith("cls.seq_relationship.", StringComparison.Ordinal)
                                || (!usesMlmHead && key.StartsWith("cls.", StringComparison.Ordinal)));
        }
        finally
        {
            foreach (var t in raw.Values) t.Dispose();
        }
    }

    /// <summary>
    /// Loads a DistilBERT safetensors file (DistilBertModel, DistilBertForMaskedLM or …ForSequenceClassification layout)
    /// into a Flint BERT without token types (<see cref="HfDistilBertConfig.ToBert"/>): <c>q_lin</c>/<c>k_lin</c>/<c>v_lin</c>/
    /// <c>out_lin</c> are BERT's query/key/value/output, <c>sa_layer_norm</c> and <c>output_layer_norm</c> its two
    /// LayerNorms, <c>ffn.lin1</c>/<c>lin2</c> its intermediate and output; the MLM head (<c>vocab_*</c>) is BERT's
    /// <c>cls.predictions</c>. A classification head in the file is not used.
    /// </summary>
    public static LoadReport LoadDistilBert(Bert model, HfWeightFile file, bool strict = true, bool usesMlmHead = true)
    {
        var raw = file.Read();
        var renamed = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (key, value) in raw) renamed[DistilBertName(key)] = value;
        try
        {
            return WeightLoader.Load(model, renamed, strict, k => IgnoredBert(k) || k == "vocab_projector.weight", file.Path,
                notUsed: key => key.StartsWith("pre_classifier.", StringComparison.Ordinal) || key.StartsWith("classifier.", StringComparison.Ordinal)
                                || (!usesMlmHead && key.StartsWith("cls.", StringComparison.Ordinal)));
        }
        finally
        {
            foreach (var t in raw.Values) t.Dispose();
        }
    }

    /// <summary>
    /// Loads a RoBERTa file (RobertaModel with bare names, RobertaForMaskedLM or …ForSequenceClassification with
    /// <c>roberta.</c>) into a Flint BERT shaped by <see cref="HfRobertaConfig.ToBert"/>: the body's names are BERT's;
    /// <c>lm_head.dense</c>, <c>lm_head.layer_norm</c> and <c>lm_head.bias</c> are <c>cls.predictions.*</c>
    /// (<c>lm_head.decoder</c> is tied to the word embeddings and to that bias); the pooler and <c>classifier.*</c> are not used.
    /// </summary>
    public static LoadReport LoadRoberta(Bert model, HfWeightFile file, bool strict = true, bool usesMlmHead = true)
    {
        var raw = file.Read();
        var renamed = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (key, value) in raw) renamed[RobertaName(key)] = value;
        try
        {
            return WeightLoader.Load(model, renamed, strict, k => IgnoredBert(k) || k.StartsWith("lm_head.decoder.", StringComparison.Ordinal), file.Path,
                notUsed: key => key.StartsWith("bert.pooler.", StringComparison.Ordinal) || key.StartsWith("classifier.", StringComparison.Ordinal)
                                || (!usesMlmHead && key.StartsWith("cls.", StringComparison.Ordinal)));
        }
        finally
        {
            foreach (var t in raw.Values) t.Dispose();
        }
    }

    static string RobertaName(string key)
    {
        var name = key.StartsWith("roberta.", StringComparison.Ordinal) ? key["roberta.".Length..] : key;
        if (name.StartsWith("embeddings.", StringComparison.Ordinal) || name.StartsWith("encoder.", StringComparison.Ordinal)
            || name.StartsWith("pooler.", StringComparison.Ordinal)) return "bert." + name;
        foreach (var (from, to) in RobertaHead)
            if (name.StartsWith(from, StringComparison.Ordinal)) return to + name[from.Length..];
        return name;
    }

    static readonly (string From, string To)[] RobertaHead =
        [("lm_head.dense.", "cls.predictions.transform.dense."), ("lm_head.layer_norm.", "cls.predictions.transform.LayerNorm."), ("lm_head.bias", "cls.predictions.bias")];

    static string DistilBertName(string key)
    {
        var name = key.StartsWith("distilbert.", StringComparison.Ordinal) ? key["distilbert.".Length..] : key;
        if (name.StartsWith("vocab_transform.", StringComparison.Ordinal)) return "cls.predictions.transform.dense." + name["vocab_transform.".Length..];
        if (name.StartsWith("vocab_layer_norm.", StringComparison.Ordinal)) return "cls.predictions.transform.LayerNorm." + name["vocab_layer_norm.".Length..];
        if (name == "vocab_projector.bias") return "cls.predictions.bias";
        if (name.StartsWith("embeddings.", StringComparison.Ordinal)) return "bert." + name;
        if (!name.StartsWith("transformer.layer.", StringComparison.Ordinal)) return name;
        var rest = name["transformer.layer.".Length..]; // N.part.weight
        int dot = rest.IndexOf('.', StringComparison.Ordinal);
        var (layer, part) = (rest[..dot], rest[(dot + 1)..]);
        foreach (var (from, to) in DistilBertParts)
            if (part.StartsWith(from, StringComparison.Ordinal)) return $"bert.encoder.layer.{layer}.{to}{part[from.Length..]}";
        return name;
    }

    static readonly (string From, string To)[] DistilBertParts =
    [
        ("attention.q_lin.", "attention.self.query."), ("attention.k_lin.", "attention.self.key."), ("attention.v_lin.", "attention.self.value."),
        ("attention.out_lin.", "attention.output.dense."), ("sa_layer_norm.", "attention.output.LayerNorm."),
        ("ffn.lin1.", "intermediate.dense."), ("ffn.lin2.", "output.dense."), ("output_layer_norm.", "output.LayerNorm."),
    ];

    /// <summary>
    /// A Flint GPT's tensors as HF's GPT2LMHeadModel saves them: <c>transformer.*</c> names, Conv1D weights as (in, out);
    /// <c>lm_head.weight</c> is tied to <c>transformer.wte.weight</c> and, as in HF's own files, not written.
    /// </summary>
    public static IEnumerable<(string Name, Tensor Tensor)> Gpt2Tensors(Gpt model) =>
        model.state_dict().Select(kv => (kv.Key, Conv1D.Any(kv.Key.EndsWith) ? kv.Value.t().contiguous() : kv.Value));

    /// <summary>A Flint BERT's tensors as HF's BertForMaskedLM saves them (the names already match; the decoder is tied and not written).</summary>
    public static IEnumerable<(string Name, Tensor Tensor)> BertTensors(Bert model) => model.state_dict().Select(kv => (kv.Key, kv.Value));

    // Buffers and tied copies that HF files carry and Flint's models do not have as parameters.
    static bool IgnoredGpt2(string key) => key.EndsWith(".attn.bias", StringComparison.Ordinal) || key.EndsWith(".attn.masked_bias", StringComparison.Ordinal) || key == "lm_head.weight";

    static bool IgnoredBert(string key) => key.EndsWith("position_ids", StringComparison.Ordinal) || key == "cls.predictions.decoder.weight" || key == "cls.predictions.decoder.bias";
}
