namespace Choria.Machine.Manifest;

/// <summary>One watcher entry; <see cref="Properties"/> are read by the watcher kind (see <see cref="Watchers.WatcherKinds"/>).</summary>
public sealed record WatcherSpec
{
    public required string Name { get; init; }

    public required string Type { get; init; }

    public IReadOnlyList<string> StateMatch { get; init; } = [];

    public string FailTransition { get; init; } = "";

    public string SuccessTransition { get; init; } = "";

    public TimeSpan? Interval { get; init; }

    public TimeSpan? AnnounceInterval { get; init; }

    public required WatcherProperties Properties { get; init; }
}
