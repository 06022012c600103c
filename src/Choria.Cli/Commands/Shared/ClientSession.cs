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
    /// Loads config and framework, then connects while <c>beforeConnect</c> (validation that must not need the network:
    /// DDL, inputs, nodes file) runs on this thread; on two cores the TLS handshake and that work overlap. A failure of
    /// <c>beforeConnect</c> wins: the connect is cancelled and its error is the one reported, as when it ran first.
    /// The connect is bounded by <paramref name="connectTimeout"/> (default discovery_timeout, at least 5 s: a TLS
    /// handshake on a busy node can take seconds) so an unreachable broker is an error, not an endless retry.
    /// <paramref name="receivers"/> gives the reply receiver connections (docs/client.md <c>--workers</c>); it is asked
    /// before connecting, so it must not depend on <c>beforeConnect</c>.
    /// </summary>
    public static async Task<ClientSession> OpenAsync(ParseResult parse, TimeSpan? connectTimeout, IReadOnlyList<string>? federations, CancellationToken cancellationToken, Action<ChoriaFramework>? beforeConnect = null, Func<int>? receivers = null)
    {
        HeldLoggerFactory? logs = null;
        var framework = await CliRuntime.ClientFrameworkAsync(parse, cancellationToken, wrapLoggers: l => logs = new HeldLoggerFactory(l));
        try
        {
            var options = ChoriaClient.OptionsFromConfig(framework.Config, federations) with { Receivers = receivers?.Invoke() ?? 1, ShortLived = true };
            var wanted = connectTimeout ?? TimeSpan.FromSeconds(framework.Config.DiscoveryTimeout);
            var bound = wanted < TimeSpan.FromSeconds(5) ? TimeSpan.FromSeconds(5) : wanted;
            using var abandon = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            Task<ChoriaClient> connecting;
            using (SystemTrustStore.HiddenWhileConnecting())
            {
                logs!.Hold();
                // On a pool thread: the connect's synchronous start (OpenSSL load, certificate files) overlaps too.
                connecting = Task.Run(() => ChoriaClient.ConnectAsync(framework, bound, options, abandon.Token), CancellationToken.None);
                try
                {
                    beforeConnect?.Invoke(framework);
                }
                catch
                {
                    await abandon.CancelAsync();
                    await DisposeQuietlyAsync(connecting);
                    // What the abandoned connect logged (a refused first attempt) would only hide the real error.
                    logs.Release(write: false);
                    throw;
                }

                logs.Release(write: true);

                // The variables stay hidden until the connect ends, whichever way.
                await ((Task)connecting).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            return new ClientSession(framework, await connecting);
        }
        catch
        {
            framework.Dispose();
            throw;
        }
    }

    /// <summary>Waits for an abandoned connect and closes what it opened; its own failure no longer matters.</summary>
    private static async Task DisposeQuietlyAsync(Task<ChoriaClient> connecting)
    {
        await ((Task)connecting).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (connecting.IsCompletedSuccessfully)
        {
            await connecting.Result.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        Framework.Dispose();
    }
}
