using Choria.Ddl;
using Choria.PluginGen;
using Choria.Server.Runtime;

namespace Choria.Cli.Tests;

/// <summary>choria-plugingen: the lists of compiled-in plugins and what the build generates from them (docs/plugins.md).</summary>
public sealed class PluginListTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("choria-plugingen-").FullName;

    private IReadOnlyList<PluginEntry> Stock { get; } =
        PluginList.Parse(File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "packager", "plugins.yaml")), "packager/plugins.yaml");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void The_stock_list_names_exactly_the_hosts_agent_providers_and_builtin_agents()
    {
        var stockProviders = Stock.Where(e => e.Kind == "agent_provider").Select(e => e.Name).ToList();
        var stockAgents = Stock.Where(e => e.Kind == "agent").Select(e => e.Name).Order(StringComparer.Ordinal).ToList();

        Assert.All(Stock, e => Assert.Equal(PluginReferenceKind.Builtin, e.Reference));
        Assert.Equal(AgentProviderCatalog.All.Count, stockProviders.Count);
        Assert.Equal(DdlLoader.BuiltinNames.Order(StringComparer.Ordinal), stockAgents);
    }

    [Fact]
    public void Short_and_long_forms_become_project_and_package_references_with_registration_lines()
    {
        WriteProject("agents/hello/Hello.csproj", "<Project><PropertyGroup><RootNamespace>Acme.Hello</RootNamespace></PropertyGroup></Project>");
        WriteProject("agents/plain/Plain.csproj", "<Project />");
        var user = PluginList.Parse("""
            # comment
            hello: agents/hello/Hello.csproj
            plain: {project: agents/plain/Plain.csproj, kind: agent}
            pkg: Acme.Choria.Pkg@1.2.3
            typed: {package: Acme.Typed, version: 2.0.0, type: Acme.Typed.Entry, kind: data}
            """, "packager/user_plugins.yaml");

        var generated = Generator.Generate(_root, Stock, user);

        Assert.Contains($"<ProjectReference Include=\"{Path.Combine(_root, "agents/hello/Hello.csproj")}\" />", generated.Props, StringComparison.Ordinal);
        Assert.Contains("<PackageReference Include=\"Acme.Choria.Pkg\" VersionOverride=\"1.2.3\" />", generated.Props, StringComparison.Ordinal);
        Assert.Contains("<PackageReference Include=\"Acme.Typed\" VersionOverride=\"2.0.0\" />", generated.Props, StringComparison.Ordinal);
        Assert.Contains("#line 2 \"", generated.Registrations, StringComparison.Ordinal);
        Assert.Contains("registry.Register(\"hello\", new global::Acme.Hello.ChoriaPlugin(), global::Choria.Server.Plugins.PluginSource.User, null);", generated.Registrations, StringComparison.Ordinal);
        Assert.Contains("registry.Register(\"plain\", new global::Plain.ChoriaPlugin(), global::Choria.Server.Plugins.PluginSource.User, global::Choria.Sdk.PluginType.Agent);", generated.Registrations, StringComparison.Ordinal);
        Assert.Contains("registry.Register(\"pkg\", new global::Acme.Choria.Pkg.ChoriaPlugin(),", generated.Registrations, StringComparison.Ordinal);
        Assert.Contains("registry.Register(\"typed\", new global::Acme.Typed.Entry(), global::Choria.Server.Plugins.PluginSource.User, global::Choria.Sdk.PluginType.Data);", generated.Registrations, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("x: {project: a.csproj, kind: gadget}", "packager/user_plugins.yaml:1: plugin x: unknown kind 'gadget' (expected one of agent_provider, agent, provision_target_resolver, config_mutator, machine_watcher, data, machine)")]
    [InlineData("x: a.csproj\ny: b.csproj\nx: c.csproj", "packager/user_plugins.yaml:3: plugin x: listed twice (first on line 1)")]
    [InlineData("x: Acme.Pkg", "packager/user_plugins.yaml:1: plugin x: 'Acme.Pkg' is neither a .csproj path nor a NuGet package with a version (Id@1.2.3)")]
    [InlineData("x: {package: Acme.Pkg}", "packager/user_plugins.yaml:1: plugin x: package Acme.Pkg needs a version")]
    [InlineData("x: {project: a.csproj, colour: red}", "packager/user_plugins.yaml:1: plugin x: unknown key 'colour' (expected project, package, version, type, kind)")]
    [InlineData("Bad-Name: a.csproj", "packager/user_plugins.yaml:1: plugin name 'Bad-Name' must be lower case letters, digits and _ starting with a letter")]
    [InlineData("- a.csproj", "packager/user_plugins.yaml: must be a map of plugin name to project, package or builtin")]
    public void A_bad_list_entry_fails_with_a_message_naming_it(string yaml, string error)
    {
        var e = Assert.Throws<PluginListException>(() => PluginList.Parse(yaml, "packager/user_plugins.yaml"));
        Assert.Equal(error, e.Message);
    }

    [Theory]
    [InlineData("rpcutil: agents/a/A.csproj", "packager/user_plugins.yaml:1: plugin rpcutil: clashes with the built-in agent rpcutil")]
    [InlineData("rubymco: agents/a/A.csproj", "packager/user_plugins.yaml:1: plugin rubymco: clashes with the built-in agent provider rubymco")]
    [InlineData("hello: agents/missing/Missing.csproj", "packager/user_plugins.yaml:1: plugin hello: project agents/missing/Missing.csproj does not exist")]
    [InlineData("hello: builtin:agent", "packager/user_plugins.yaml:1: plugin hello: only the stock plugins.yaml may list builtin plugins")]
    public void A_user_entry_that_clashes_or_points_nowhere_fails_the_build(string yaml, string error)
    {
        WriteProject("agents/a/A.csproj", "<Project />");
        var user = PluginList.Parse(yaml, "packager/user_plugins.yaml");

        var e = Assert.Throws<PluginListException>(() => Generator.Generate(_root, Stock, user));
        Assert.Equal(error, e.Message);
    }

    [Fact]
    public void An_empty_user_list_generates_nothing_to_compile_in()
    {
        Assert.Empty(PluginList.Parse("# nothing yet\n", "packager/user_plugins.yaml"));
        Assert.Empty(Generator.Generate(_root, Stock, []).UserPlugins);
    }

    [Fact]
    public void The_tool_reads_the_user_list_it_is_given_instead_of_packager_user_plugins()
    {
        WriteProject("packager/plugins.yaml", File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "packager", "plugins.yaml")));
        WriteProject("packager/user_plugins.yaml", "default: agents/default/Default.csproj\n");
        WriteProject("agents/default/Default.csproj", "<Project />");
        WriteProject("agents/example/Example.csproj", "<Project />");
        WriteProject("examples/list.yaml", "example: agents/example/Example.csproj\n");
        var outDir = Path.Combine(_root, "obj", "choria");

        var (code, stdout, stderr) = Run(_root, outDir, Path.Combine(_root, "examples", "list.yaml"));

        Assert.True(code == 0, stderr);
        Assert.Contains(">> compiling in plugin example (agents/example/Example.csproj) from ", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("default", stdout, StringComparison.Ordinal);
        Assert.Contains("new global::Example.ChoriaPlugin()", File.ReadAllText(Path.Combine(outDir, "PluginRegistrations.g.cs")), StringComparison.Ordinal);
        Assert.DoesNotContain("Default.csproj", File.ReadAllText(Path.Combine(outDir, "plugins.props")), StringComparison.Ordinal);

        // Without a list argument the default list is read; a missing list named on purpose stops the build.
        Assert.Contains(">> compiling in plugin default (agents/default/Default.csproj) from ", Run(_root, outDir).Stdout, StringComparison.Ordinal);
        var missing = Run(_root, outDir, "no/such/list.yaml");
        Assert.Equal(1, missing.Code);
        Assert.Equal("error: the plugin list no/such/list.yaml does not exist\n", missing.Stderr);
    }

    private static (int Code, string Stdout, string Stderr) Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = PluginGenTool.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private void WriteProject(string relative, string content)
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }
}
