using System.Globalization;

namespace Choria.Security;

/// <summary>ssldir discovery (docs/security.md), with Puppet's answer cached for the process.</summary>
public sealed class PuppetSslDirLocator
{
    /// <summary>How long Puppet may take; it normally answers in a few seconds.</summary>
    public static readonly TimeSpan DefaultPuppetTimeout = TimeSpan.FromSeconds(30);

    private readonly IPuppetConfigPrinter _printer;
    private readonly ISecurityEnvironment _environment;
    private readonly TimeSpan _puppetTimeout;
    private readonly Lock _lock = new();
    private Task<string?>? _puppetAnswer;

    public PuppetSslDirLocator(IPuppetConfigPrinter? printer = null, ISecurityEnvironment? environment = null, TimeSpan? puppetTimeout = null)
    {
        _printer = printer ?? new PuppetConfigPrinter();
        _environment = environment ?? SystemSecurityEnvironment.Instance;
        _puppetTimeout = puppetTimeout ?? DefaultPuppetTimeout;
    }

    /// <exception cref="SecurityConfigurationException">Puppet was asked and did not answer within the timeout.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; Puppet's answer is still cached for later callers.</exception>
    public async Task<string> LocateAsync(string? configured, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(configured))
        {
            return ExpandHome(configured);
        }

        if (_environment.IsRoot)
        {
            Task<string?> answer;
            lock (_lock)
            {
                // The shared question must not carry any one caller's token: if that caller gave up, every
                // later caller would inherit its cancellation. Each caller only stops waiting for it. Task.Run keeps
                // the process start out of the lock.
                answer = _puppetAnswer ??= Task.Run(AskPuppetAsync, CancellationToken.None);
            }

            var ssldir = await answer.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (!string.IsNullOrEmpty(ssldir))
            {
                return ssldir;
            }
        }

        return Path.Combine(_environment.HomeDirectory ?? "", ".puppetlabs", "etc", "puppet", "ssl");
    }

    private async Task<string?> AskPuppetAsync()
    {
        using var timeout = new CancellationTokenSource(_puppetTimeout);
        try
        {
            return await _printer.SslDirAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new SecurityConfigurationException(string.Create(CultureInfo.InvariantCulture,
                $"'puppet apply --configprint ssldir' did not answer within {_puppetTimeout.TotalSeconds:0.###}s; ") +
                "set plugin.choria.ssldir to the Puppet SSL directory so Puppet is not asked");
        }
    }

    private string ExpandHome(string path) =>
        path == "~" || path.StartsWith("~/", StringComparison.Ordinal)
            ? Path.Combine(_environment.HomeDirectory ?? "", path.Length > 2 ? path[2..] : "")
            : path;
}
