using System.Text.Json;
using System.Text.Json.Serialization;
using Flint.Models;
using Flint.Objectives;

namespace Flint.Workflow;

/// <summary>
/// <c>model.json</c> in a pretraining run: exactly what was built (objective, the preset's shape with the context it was
/// widened to, vocabulary size), so <c>--from</c> and <c>evaluate</c> rebuild the trained architecture from a typed file,
/// whatever the presets are by then.
/// </summary>
/// <param name="Objective">The objective the body was trained with (decides decoder or encoder).</param>
/// <param name="Preset">The preset's shape as built (its context widened to the run's <c>data.context</c> when larger).</param>
/// <param name="VocabSize">The tokenizer's vocabulary size.</param>
public sealed record ModelRecord(Objective Objective, ModelPreset Preset, int VocabSize)
{
    /// <summary>The file name.</summary>
    public const string FileName = "model.json";

    static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true, Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) }, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    /// <summary>Writes the record into <paramref name="folder"/>.</summary>
    public void Write(string folder) => File.WriteAllText(Path.Combine(folder, FileName), JsonSerializer.Serialize(this, Json));

    /// <summary>The record in <paramref name="folder"/>, or null for a run written before runs recorded their model.</summary>
    public static ModelRecord? Read(string folder)
    {
        var path = Path.Combine(folder, FileName);
        if (!File.Exists(path)) return null;
        try
        {
            return JsonSerializer.Deserialize<ModelRecord>(File.ReadAllText(path), Json) ?? throw new InvalidDataException($"{path} is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} (line {e.LineNumber + 1}): not a model record Flint can read ({e.Message}).", e);
        }
    }
}
