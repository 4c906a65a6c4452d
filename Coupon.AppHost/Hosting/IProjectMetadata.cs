namespace Coupon.AppHost.Hosting;

// Where a project of the solution lives and where its build output is (Aspire's IProjectMetadata,
// plus the built assembly: the AppHost runs `dotnet <assembly>` instead of `dotnet run`).
public interface IProjectMetadata
{
    string ProjectPath { get; }

    string AssemblyPath { get; }
}
