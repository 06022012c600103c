namespace Choria.Security.Enrollment;

/// <summary>Where the Puppet CA listens; always spoken to over https.</summary>
public sealed record PuppetCaEndpoint(string Host, int Port)
{
    public const string DefaultHost = "puppet";
    public const int DefaultPort = 8140;

    public Uri BaseUri => new UriBuilder(Uri.UriSchemeHttps, Host, Port).Uri;
}

/// <summary>
/// First SRV answer for a name, already ordered by priority and weight; null when nothing resolves.
/// Kept here (instead of using the connector's resolver) so Security does not depend on the connector.
/// </summary>
public interface ISrvTargetLookup
{
    ValueTask<PuppetCaEndpoint?> FirstAsync(string name, CancellationToken cancellationToken);
}

/// <summary>The CA endpoint settings (docs/security.md, <c>plugin.choria.puppetca_*</c>, <c>use_srv</c>).</summary>
public sealed record PuppetCaLocationOptions
{
    /// <summary><c>plugin.choria.puppetca_host</c> when the config file sets it.</summary>
    public string? Host { get; init; }

    /// <summary><c>plugin.choria.puppetca_port</c> when the config file sets it.</summary>
    public int? Port { get; init; }

    public bool UseSrv { get; init; } = true;

    /// <summary>The SRV domain; SRV is skipped when empty.</summary>
    public string? SrvDomain { get; init; }
}

/// <summary>Picks the CA endpoint: explicit settings, else SRV, else <c>puppet:8140</c>.</summary>
public static class PuppetCaEndpointSelector
{
    public static readonly IReadOnlyList<string> SrvRecords = ["_x-puppet-ca._tcp", "_x-puppet._tcp"];

    public static async Task<PuppetCaEndpoint> SelectAsync(PuppetCaLocationOptions options, ISrvTargetLookup? srv, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var explicitlySet = options.Host is not null || options.Port is not null;
        if (!explicitlySet && options.UseSrv && srv is not null && !string.IsNullOrWhiteSpace(options.SrvDomain))
        {
            var domain = options.SrvDomain.Trim().TrimEnd('.');
            foreach (var record in SrvRecords)
            {
                var answer = await srv.FirstAsync($"{record}.{domain}", cancellationToken).ConfigureAwait(false);
                if (answer is not null)
                {
                    return answer;
                }
            }
        }

        return new PuppetCaEndpoint(
            string.IsNullOrWhiteSpace(options.Host) ? PuppetCaEndpoint.DefaultHost : options.Host,
            options.Port is > 0 ? options.Port.Value : PuppetCaEndpoint.DefaultPort);
    }
}
