namespace Choria.Server.Data.Plugins;

/// <summary>Named data plugins; lookups are by the bare name.</summary>
internal sealed class DataPluginRegistry
{
    private readonly Dictionary<string, IDataPlugin> _plugins = new(StringComparer.Ordinal);

    public DataPluginRegistry(IEnumerable<IDataPlugin> plugins)
    {
        foreach (var p in plugins)
        {
            _plugins[p.Name] = p;
        }
    }

    /// <summary>The plugins every server has (agent, collective, fact and fstat), then the compiled-in data plugins (docs/plugins.md).</summary>
    public static DataPluginRegistry CreateDefault() =>
        new([new AgentDataPlugin(), new CollectiveDataPlugin(), new FactDataPlugin(), new FstatDataPlugin(), .. Choria.Server.Plugins.CompiledPlugins.Default.DataPlugins]);

    public bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IDataPlugin? plugin) => _plugins.TryGetValue(name, out plugin);

    /// <summary>Sorted names in the <c>&lt;name&gt;_data</c> form MCollective servers report in <c>inventory</c>.</summary>
    public IReadOnlyList<string> InventoryNames() => [.. _plugins.Keys.Order(StringComparer.Ordinal).Select(n => n + "_data")];
}
