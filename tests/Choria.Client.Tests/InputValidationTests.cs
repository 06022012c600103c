using Choria.Ddl;

namespace Choria.Client.Tests;

public class InputValidationTests
{
    private static readonly AgentDdl s_rpcutil = DdlLoader.LoadBuiltin("rpcutil").Ddl!;

    [Fact]
    public void Key_values_are_converted_and_validated()
    {
        Assert.True(DdlResolver.TryBuildInputs(s_rpcutil.FindAction("get_fact")!, ["fact=os.family"], out var data, out _));

        Assert.Equal("os.family", (string?)data["fact"]);
    }

    [Theory]
    [InlineData("get_fact", new string[0], "required")]
    [InlineData("get_fact", new[] { "nosuch=1" }, "not a valid input")]
    [InlineData("get_fact", new[] { "fact" }, "key=value")]
    [InlineData("ping", new[] { "x=1" }, "not a valid input")]
    public void Invalid_inputs_are_reported(string action, string[] args, string expected)
    {
        var error = DdlResolver.TryBuildInputs(s_rpcutil.FindAction(action)!, args, out var data, out var conversionError)
            ? Assert.Throws<ChoriaClientException>(() => ChoriaClient.Prepare(new RpcOptions { Agent = "rpcutil", Action = action, Ddl = s_rpcutil, Data = data })).Message
            : conversionError;

        Assert.StartsWith("invalid input:", error, StringComparison.Ordinal);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_action_is_rejected_by_the_client_without_io()
    {
        var e = Assert.Throws<ChoriaClientException>(() => ChoriaClient.Prepare(new RpcOptions { Agent = "rpcutil", Action = "nosuch", Ddl = s_rpcutil }));

        Assert.Contains("invalid action nosuch", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Libdir_ddls_win_over_builtin_ones_and_missing_ones_are_errors()
    {
        var dir = Directory.CreateTempSubdirectory("choria-ddl-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(dir, "mcollective", "agent"));
            File.Copy(TestPaths.Fixture("server", "ddl", "package.json"), Path.Combine(dir, "mcollective", "agent", "package.json"));

            Assert.True(DdlResolver.TryLoad("package", [dir], out var package, out _));
            Assert.True(DdlResolver.TryLoad("rpcutil", [dir], out var rpcutil, out _));
            Assert.False(DdlResolver.TryLoad("nosuch", [dir], out _, out var error));

            Assert.Equal("package", package.Metadata.Name);
            Assert.Equal("rpcutil", rpcutil.Metadata.Name);
            Assert.Equal("could not find DDL for agent nosuch", error);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
