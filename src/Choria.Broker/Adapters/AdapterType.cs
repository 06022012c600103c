namespace Choria.Broker.Adapters;

/// <summary>Output technology of an adapter. NATS Streaming (<c>nats_stream</c>) is end of life and refused.</summary>
public enum AdapterType
{
    /// <summary><c>jetstream</c>: 2020 tech-preview name, output protocol <c>choria:adapters:jetstream:output:1</c>.</summary>
    JetStream,

    /// <summary><c>choria_streams</c>: later name, output protocol <c>choria:adapters:choria_streams:output:1</c>.</summary>
    ChoriaStreams,
}
