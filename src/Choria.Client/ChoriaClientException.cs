namespace Choria.Client;

/// <summary>A request that cannot be sent (bad inputs, unknown action, no nodes) or a connection that failed.</summary>
public sealed class ChoriaClientException(string message, Exception? inner = null) : Exception(message, inner);
