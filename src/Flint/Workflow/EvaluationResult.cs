using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Flint.Workflow;

/// <summary>What <c>flint evaluate</c> measured on one run.</summary>
/// <param name="Run">The evaluated run folder.</param>
/// <param name="Kind">The run's kind: <c>pretrain</c> or <c>finetune</c>.</param>
/// <param name="Data">What was evaluated: a labelled file, a text file/folder, or the run's validation split.</param>
/// <param name="Metrics">The trainer's metrics as logged (<c>test/accuracy</c>, <c>val/loss</c>, …).</param>
/// <param name="Language">A pretraining run's scores; null for a classifier.</param>
/// <param name="Examples">A classifier's labelled examples; null for a pretraining run.</param>
public sealed record EvaluationResult(string Run, string Kind, string Data, IReadOnlyDictionary<string, double> Metrics, LmScores? Language = null, int? Examples = null)
{
    static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };
    static readonly JsonSerializerOptions OneLine = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>
    /// The result as one JSON object: <c>run</c>, <c>kind</c>, <c>data</c>; for a pretraining run <c>val_loss</c> and the
    /// rest of <see cref="LmScores.AddTo"/>; for a classifier <c>accuracy</c>, <c>loss</c> and its other test scores
    /// (<c>test/scores/macro_f1</c> becomes <c>macro_f1</c>); then every logged metric under <c>metrics</c>.
    /// </summary>
    public JsonObject ToJson()
    {
        var json = new JsonObject { ["run"] = Run, ["kind"] = Kind, ["data"] = Data };
        if (Examples is { } examples) json["examples"] = examples;
        if (Language is { } scores) scores.AddTo(json);
        foreach (var (name, value) in Metrics.Where(m => m.Key.StartsWith("test/", StringComparison.Ordinal)).OrderBy(m => m.Key, StringComparer.Ordinal))
            json[name["test/".Length..].Replace("scores/", "", StringComparison.Ordinal).Replace('/', '_')] = value;
        var metrics = new JsonObject();
        foreach (var (name, value) in Metrics.OrderBy(m => m.Key, StringComparer.Ordinal)) metrics[name] = value;
        json["metrics"] = metrics;
        return json;
    }

    /// <summary><see cref="ToJson"/> as text: indented for a file, or on one line (what <c>flint evaluate --json</c> prints last).</summary>
    public string ToJsonText(bool indented) => ToJson().ToJsonString(indented ? Indented : OneLine);
}
