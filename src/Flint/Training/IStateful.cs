using System.Text.Json.Nodes;

namespace Flint.Training;

/// <summary>A component whose state must survive a checkpoint (early-stopping counters, a plateau schedule, …).</summary>
public interface IStateful
{
    /// <summary>A key unique among the run's stateful components, used to match saved state on resume.</summary>
    string StateKey { get; }

    /// <summary>The state as JSON.</summary>
    JsonNode SaveState();

    /// <summary>Restores state written by <see cref="SaveState"/>.</summary>
    void LoadState(JsonNode state);
}
