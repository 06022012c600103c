namespace Choria.Broker.Adapters;

/// <summary>How ingested payloads are parsed.</summary>
public enum AdapterIngestProtocol
{
    Reply,
    Request,
}
