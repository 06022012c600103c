namespace Choria.Broker.Network;

/// <summary>Parses <c>nats-server --version</c> output (<c>nats-server: v2.9.10</c>).</summary>
internal static class NatsVersion
{
    /// <summary>The renderer emits 2.9 syntax (cluster.name, ports_file_dir, accounts) and was checked with 2.9.10.</summary>
    public static readonly Version Minimum = new(2, 9, 0);

    public static bool TryParse(string output, out Version version)
    {
        foreach (var word in output.Split([' ', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = word.TrimStart('v');
            var dash = candidate.IndexOf('-', StringComparison.Ordinal);
            if (dash > 0)
            {
                candidate = candidate[..dash];
            }

            if (word.StartsWith('v') && Version.TryParse(candidate, out var parsed))
            {
                version = parsed;
                return true;
            }
        }

        version = new Version();
        return false;
    }
}
