namespace Choria.Machine.Manifest;

/// <summary>A parsed and validated <c>machine.yaml</c> (docs/machines.md, "Manifest").</summary>
public sealed record MachineManifest
{
    public required string Name { get; init; }

    public required string Version { get; init; }

    public required string InitialState { get; init; }

    /// <summary>Seconds; the machine sleeps a random time below this before starting its watchers.</summary>
    public int SplayStart { get; init; }

    public required IReadOnlyList<TransitionSpec> Transitions { get; init; }

    public required IReadOnlyList<WatcherSpec> Watchers { get; init; }

    /// <summary>Every state named anywhere: the initial state, each transition's sources and destination.</summary>
    public IReadOnlyList<string> States()
    {
        var states = new List<string> { InitialState };
        foreach (var t in Transitions)
        {
            foreach (var s in t.From.Append(t.Destination))
            {
                if (!states.Contains(s, StringComparer.Ordinal))
                {
                    states.Add(s);
                }
            }
        }

        return states;
    }
}

/// <summary>One event of the state machine: valid in any of <see cref="From"/>, moves to <see cref="Destination"/>.</summary>
public sealed record TransitionSpec(string Name, IReadOnlyList<string> From, string Destination, string Description = "");

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
