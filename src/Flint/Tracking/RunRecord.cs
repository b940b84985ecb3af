namespace Flint.Tracking;

/// <summary>One run as the store indexes it. The run folder stays the source of truth.</summary>
/// <param name="Id">The run's path relative to the runs root (e.g. <c>pretrain-20261127-120000</c> or <c>demo-…/pretrain</c>).</param>
/// <param name="Name">Folder name.</param>
/// <param name="Kind">pretrain, finetune, lr-find, demo, …</param>
/// <param name="Status">running, finished, interrupted or failed.</param>
/// <param name="Started">Start (UTC).</param>
/// <param name="Finished">End (UTC), when finished.</param>
/// <param name="Config">The resolved configuration (key → value).</param>
/// <param name="Parent">The run this one started from (fine-tuning → pretraining), as an id.</param>
/// <param name="Metrics">Final metrics from summary.json.</param>
/// <param name="Tags">Tags.</param>
/// <param name="Notes">Free text.</param>
public sealed record RunRecord(
    string Id, string Name, string Kind, string Status, DateTimeOffset? Started, DateTimeOffset? Finished,
    IReadOnlyDictionary<string, string> Config, string? Parent, IReadOnlyDictionary<string, double> Metrics, IReadOnlyList<string> Tags, string Notes);
