using Choria.Config;
using Choria.Connector;
using Choria.Security;
using Choria.Security.Enrollment;
using Microsoft.Extensions.Logging;

namespace Choria.Framework;

/// <summary>Builds a <see cref="PuppetCaEnroller"/> from configuration (docs/security.md).</summary>
public static class PuppetCaEnrollment
{
    public static PuppetCaLocationOptions LocationFrom(ChoriaConfig config) => new()
    {
        // Only values written in a file count: a default must not switch SRV off.
        Host = config.HasOption("plugin.choria.puppetca_host") ? config.GetString("plugin.choria.puppetca_host") : null,
        Port = config.HasOption("plugin.choria.puppetca_port") ? config.GetInt("plugin.choria.puppetca_port") : null,
        UseSrv = config.UseSrv,
        SrvDomain = string.IsNullOrEmpty(config.SrvDomain) ? null : config.SrvDomain,
    };

    /// <summary>
    /// The enroller for <paramref name="security"/>; only the puppet provider can enroll.
    /// <paramref name="srv"/> defaults to DNS.
    /// </summary>
    public static async Task<PuppetCaEnroller> CreateAsync(
        ChoriaConfig config, ISecurityProvider security, ILoggerFactory loggers, ISrvResolver? srv, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(loggers);
        if (security is not PuppetSecurityProvider puppet)
        {
            throw new EnrollmentException($"the '{config.SecurityProvider}' security provider cannot enroll, only the 'puppet' provider obtains certificates from a CA");
        }

        var lookup = new ConnectorSrvLookup(srv ?? new DnsSrvResolver(loggers.CreateLogger<DnsSrvResolver>()));
        var endpoint = await PuppetCaEndpointSelector.SelectAsync(LocationFrom(config), lookup, cancellationToken).ConfigureAwait(false);
        return new PuppetCaEnroller(puppet, new PuppetCaEnrollerOptions { Endpoint = endpoint }, loggers.CreateLogger<PuppetCaEnroller>());
    }

    private sealed class ConnectorSrvLookup(ISrvResolver resolver) : ISrvTargetLookup
    {
        public async ValueTask<PuppetCaEndpoint?> FirstAsync(string name, CancellationToken cancellationToken)
        {
            // The resolver already orders by priority and weight.
            var answers = await resolver.ResolveAsync(name, cancellationToken).ConfigureAwait(false);
            return answers.Count == 0 ? null : new PuppetCaEndpoint(answers[0].Target.TrimEnd('.'), answers[0].Port);
        }
    }
}
