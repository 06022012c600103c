using Choria.Config;
using Choria.Config.Build;
using Choria.Framework;
using Choria.Framework.Plugins;
using Choria.Machine.Manifest;
using Choria.Machine.Runtime;
using Choria.Machine.Watchers;
using Choria.Sdk;
using Choria.Server.Machines;
using Choria.Server.Plugins;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Raw = Choria.Server.Tests.Plugins.CompiledPluginsTests.Raw;

namespace Choria.Server.Tests.Plugins;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FrameworkPluginsGroup
{
    /// <summary>Tests that set the process-wide framework plugins run alone.</summary>
    public const string Name = "framework plugins";
}

/// <summary>
/// The plugin kinds beside agents, providers and data (docs/plugins.md): configuration mutators, the provision
/// target resolver, machine watchers and compiled-in machines, each reaching the part of choria that uses it.
/// </summary>
[Collection(FrameworkPluginsGroup.Name)]
public sealed class PluginKindsTests : IDisposable
{
    private static ChoriaConfig InsecureConfig() => ConfigLoader.LoadText(
        "plugin.security.provider = file\nidentity = node1.example.net\nloglevel = warn\n",
        options: new ConfigLoadOptions { Environment = new Dictionary<string, string?> { ["INSECURE_YES_REALLY"] = "true", ["USER"] = "tester" } }).Config;

    [Fact]
    public async Task Config_mutators_run_in_list_order_when_a_framework_is_created()
    {
        var registry = new CompiledPlugins();
        registry.Register("site_facts", new Raw(PluginType.ConfigMutator, new Mutator("site_facts", c => c.With(new Dictionary<string, string> { ["plugin.choria.srv_domain"] = "one" }))));
        registry.Register("site_more", new Raw(PluginType.ConfigMutator, new Mutator("site_more", c => c.With(new Dictionary<string, string> { ["plugin.choria.srv_domain"] = c.GetString("plugin.choria.srv_domain") + "+two" }))));
        registry.Activate();

        using var framework = await ChoriaFramework.CreateAsync(InsecureConfig(), NullLoggerFactory.Instance, verifySecurityFiles: false);

        Assert.Equal("one+two", framework.Config.GetString("plugin.choria.srv_domain"));
        Assert.Equal(["site_facts", "site_more"], FrameworkPlugins.ConfigMutators.Select(m => m.Name));
    }

    [Fact]
    public async Task A_failing_config_mutator_stops_the_role_naming_the_mutator()
    {
        var registry = new CompiledPlugins();
        registry.Register("broken", new Raw(PluginType.ConfigMutator, new Mutator("broken", _ => throw new InvalidOperationException("no inventory"))));
        registry.Activate();

        var e = await Assert.ThrowsAsync<FrameworkException>(() => ChoriaFramework.CreateAsync(InsecureConfig(), NullLoggerFactory.Instance, verifySecurityFiles: false));
        Assert.Equal("configuration mutator broken failed: no inventory", e.Message);
    }

    [Fact]
    public async Task A_compiled_in_target_resolver_replaces_the_default_for_provisioning()
    {
        var registry = new CompiledPlugins();
        registry.Register("site_resolver", new Raw(PluginType.ProvisionTargetResolver, new Resolver(["prov1.example.net:4222", "prov2.example.net:4222"])));
        var second = Assert.Throws<PluginRegistrationException>(() => registry.Register("other", new Raw(PluginType.ProvisionTargetResolver, new Resolver([]))));
        Assert.Equal("other is a second provision target resolver, site_resolver is one already: only one can replace the default", second.Message);
        Assert.Equal(ProvisioningTargetResolver.Name, FrameworkPlugins.TargetResolverName);
        registry.Activate();
        Assert.Equal("Site", FrameworkPlugins.TargetResolverName);

        // A server built for provisioning asks the plugin, not the build's broker list, and points at its answer.
        var build = new BuildSettings { ProvisionDefault = true, ProvisionBrokerUrls = "build.example.net:4222", ProvisionToken = "t" };
        var config = InsecureConfig().WithBuild(build);
        var (provisioning, mode) = await ProvisioningStartup.ConfigureAsync(config, debug: false, CancellationToken.None);
        Assert.True(mode);
        Assert.Equal("prov1.example.net:4222,prov2.example.net:4222", provisioning.GetString("plugin.choria.middleware_hosts"));
    }

    [Fact]
    public void A_machine_watcher_plugin_adds_a_watcher_type_manifests_can_use_and_cannot_shadow_a_built_in()
    {
        var registry = new CompiledPlugins();
        var type = "plugin_kinds_test_" + Guid.NewGuid().ToString("N")[..8];
        var manifest = $$"""
            name: Probe
            version: 1.0.0
            initial_state: idle
            transitions:
              - {name: go, from: [idle], destination: busy}
            watchers:
              - {name: probe, type: {{type}}, success_transition: go}
            """;
        Assert.Throws<ManifestException>(() => ManifestLoader.Parse(manifest));

        registry.Register("probe", new Raw(PluginType.MachineWatcher, new WatcherKind(type, _ => { }, (_, _) => throw new InvalidOperationException())));
        Assert.Equal("Probe", ManifestLoader.Parse(manifest).Name);
        Assert.Contains(type, WatcherKinds.Types);

        var clash = Assert.Throws<PluginRegistrationException>(() => registry.Register("exec2", new Raw(PluginType.MachineWatcher, new WatcherKind("exec", _ => { }, (_, _) => throw new InvalidOperationException()))));
        Assert.Equal("exec2 adds the watcher type exec, which this binary already has", clash.Message);
        var subject = Assert.Throws<PluginRegistrationException>(() => registry.Register("bad", new Raw(PluginType.MachineWatcher, new WatcherKind("a.b", _ => { }, (_, _) => throw new InvalidOperationException()))));
        Assert.StartsWith("bad is not a valid machine watcher plugin: 'a.b' cannot be a watcher type", subject.Message, StringComparison.Ordinal);
        Assert.Equal(["probe"], registry.All.Select(p => p.Name));
    }

    [Fact]
    public void Compiled_in_machines_reach_the_servers_machine_options()
    {
        var registry = new CompiledPlugins();
        var machine = new CompiledMachine("""
            name: Heartbeat
            version: 1.0.0
            initial_state: watching
            transitions:
              - {name: ok, from: [watching], destination: watching}
            watchers:
              - {name: beat, type: nagios, interval: 1m, properties: {builtin: heartbeat}}
            """);
        registry.Register("heartbeat", new Raw(PluginType.Machine, machine));
        Assert.Same(machine, Assert.Single(registry.Machines));
        Assert.Equal("Heartbeat", machine.Name);

        // The binary's own registry is what the server's options read.
        Assert.Equal(CompiledPlugins.Default.Machines, MachineServiceOptions.FromConfig(InsecureConfig()).Compiled);
    }

    public void Dispose() => FrameworkPlugins.Use([], null);

    private sealed class Mutator(string name, Func<ChoriaConfig, ChoriaConfig> mutate) : IConfigMutator
    {
        public string Name => name;

        public ChoriaConfig Mutate(ChoriaConfig config, ILogger logger) => mutate(config);
    }

    private sealed class Resolver(IReadOnlyList<string> targets) : IProvisioningTargetResolver
    {
        public string Name => "Site";

        public Task<IReadOnlyList<string>> TargetsAsync(BuildSettings build, ILogger logger, CancellationToken cancellationToken) => Task.FromResult(targets);
    }
}
