using System.CommandLine;
using Choria.Cli.Hosting;
using Choria.Client;
using Choria.Framework;

namespace Choria.Cli.Commands.Shared;

/// <summary>A loaded framework plus a connected client for one CLI command.</summary>
internal sealed class ClientSession : IAsyncDisposable
{
    private ClientSession(ChoriaFramework framework, ChoriaClient client)
    {
        Framework = framework;
        Client = client;
    }

    public ChoriaFramework Framework { get; }

    public ChoriaClient Client { get; }

    /// <summary>
    /// Loads config and framework, runs <c>beforeConnect</c> (validation that must not need the network), then connects; the connect is bounded by <paramref name="connectTimeout"/>
    /// (default discovery_timeout, at least 5 s: a TLS handshake on a busy node can take seconds) so an unreachable
    /// broker is an error, not an endless retry.
    /// <paramref name="receivers"/> gives the reply receiver connections (docs/client.md <c>--workers</c>); it is asked
    /// after <paramref name="beforeConnect"/>, which may have learnt how many replies to expect.
    /// </summary>
    public static async Task<ClientSession> OpenAsync(ParseResult parse, TimeSpan? connectTimeout, IReadOnlyList<string>? federations, CancellationToken cancellationToken, Action<ChoriaFramework>? beforeConnect = null, Func<int>? receivers = null)
    {
        var framework = await CliRuntime.ClientFrameworkAsync(parse, cancellationToken);
        try
        {
            beforeConnect?.Invoke(framework);
            var options = ChoriaClient.OptionsFromConfig(framework.Config, federations) with { Receivers = receivers?.Invoke() ?? 1, ShortLived = true };
            var wanted = connectTimeout ?? TimeSpan.FromSeconds(framework.Config.DiscoveryTimeout);
            var bound = wanted < TimeSpan.FromSeconds(5) ? TimeSpan.FromSeconds(5) : wanted;
            ChoriaClient client;
            using (SystemTrustStore.HiddenWhileConnecting())
            {
                client = await ChoriaClient.ConnectAsync(framework, bound, options, cancellationToken);
            }

            return new ClientSession(framework, client);
        }
        catch
        {
            framework.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        Framework.Dispose();
    }
}
