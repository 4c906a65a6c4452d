namespace Coupon.AppHost.Servers;

public static class DotnetHost
{
    // The dotnet that runs this process (the SDK sets DOTNET_HOST_PATH for `dotnet run` and
    // `dotnet test`), so children run on the same runtime.
    public static string Path { get; } =
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } hostPath ? hostPath
        : System.IO.Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath!
        : "dotnet";
}
