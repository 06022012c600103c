namespace Choria.Provisioner;

/// <summary>What the helper decided for one node.</summary>
public sealed record HelperResult
{
    /// <summary>Settings written to the node's configuration file.</summary>
    public IReadOnlyDictionary<string, string> Configuration { get; init; } = new Dictionary<string, string>();

    public string Certificate { get; init; } = "";

    public string Ca { get; init; } = "";

    public string SslDir { get; init; } = "";
}
