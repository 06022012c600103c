namespace Choria.Security.Enrollment;

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
