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
