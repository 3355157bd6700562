namespace DmaDiscipline.Benchmarks.RealDrivers.Tests;

public sealed class ProjectFileTests
{
    [Fact]
    public void An_sdk_project_compiles_its_folder_without_build_output_plus_imported_shared_items()
    {
        using var scratch = new ScratchDirectory();
        scratch.Write("App/A.cs", "");
        scratch.Write("App/Sub/B.cs", "");
        scratch.Write("App/obj/Gen.cs", "");
        scratch.Write("App/bin/Old.cs", "");
        scratch.Write("Shared/S.cs", "");
        scratch.Write("Shared/NotListed.cs", "");
        scratch.Write("Shared/Shared.projitems", """
            <Project><ItemGroup><Compile Include="$(MSBuildThisFileDirectory)S.cs" /></ItemGroup></Project>
            """);
        scratch.Write("Lib/Lib.csproj", "<Project Sdk=\"Microsoft.NET.Sdk\" />");
        var path = scratch.Write("App/App.csproj", """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup><AllowUnsafeBlocks>true</AllowUnsafeBlocks><DefineConstants>Kernel;HasGUI</DefineConstants></PropertyGroup>
              <ItemGroup><ProjectReference Include="..\Lib\Lib.csproj" /></ItemGroup>
              <Import Project="..\Shared\Shared.projitems" Label="Shared" />
            </Project>
            """);

        var project = ProjectFile.Read(path, scratch.Path);

        Assert.Equal(["App/A.cs", "App/Sub/B.cs", "Shared/S.cs"], project.Sources.Select(s => Path.GetRelativePath(scratch.Path, s).Replace('\\', '/')));
        Assert.Equal([Path.Combine(scratch.Path, "Lib", "Lib.csproj")], project.ProjectReferences);
        Assert.Equal(["Kernel", "HasGUI"], project.DefineConstants);
        Assert.True(project.AllowUnsafe);
        Assert.False(project.Nullable);
    }

    [Fact]
    public void Directory_build_props_above_the_project_apply_and_the_project_overrides_them()
    {
        using var scratch = new ScratchDirectory();
        scratch.Write("Directory.Build.props", "<Project><PropertyGroup><Nullable>enable</Nullable><DefineConstants>A</DefineConstants></PropertyGroup></Project>");
        var path = scratch.Write("P/P.csproj", """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup><DefineConstants>$(DefineConstants);B</DefineConstants></PropertyGroup>
              <PropertyGroup Condition="'$(Configuration)' == 'Debug'"><AllowUnsafeBlocks>true</AllowUnsafeBlocks></PropertyGroup>
            </Project>
            """);

        var project = ProjectFile.Read(path, scratch.Path);

        Assert.True(project.Nullable);
        Assert.Equal(["A", "B"], project.DefineConstants);
        Assert.False(project.AllowUnsafe); // conditional groups are not evaluated
    }

    [Fact]
    public void An_imported_props_or_targets_file_of_the_codebase_applies_before_the_projects_own_properties()
    {
        using var scratch = new ScratchDirectory();
        scratch.Write("Directory.Build.props", "<Project><PropertyGroup><Nullable>enable</Nullable></PropertyGroup></Project>");
        scratch.Write("Common.targets", "<Project><PropertyGroup><AllowUnsafeBlocks>true</AllowUnsafeBlocks><Nullable>disable</Nullable><DefineConstants>T</DefineConstants></PropertyGroup></Project>");
        var path = scratch.Write("P/P.csproj", """
            <Project Sdk="Microsoft.NET.Sdk">
              <Import Project="../Common.targets" />
              <Import Project="../Missing.props" />
              <Import Project="$(MSBuildExtensionsPath)/Other.targets" />
              <PropertyGroup><DefineConstants>$(DefineConstants);P</DefineConstants></PropertyGroup>
            </Project>
            """);

        var project = ProjectFile.Read(path, scratch.Path);

        Assert.True(project.AllowUnsafe);
        Assert.False(project.Nullable); // the import comes after Directory.Build.props
        Assert.Equal(["T", "P"], project.DefineConstants);
    }

    [Fact]
    public void A_project_compiles_against_what_its_references_reference_as_an_sdk_build_does()
    {
        static ProjectFile Project(string name, params string[] references) => new($"/c/{name}.csproj", name, [], references.Select(r => $"/c/{r}.csproj").ToList(), [], false, false);
        var corlib = Project("Corlib");
        var runtime = Project("Runtime", "Corlib");
        var hal = Project("Hal", "Runtime");
        var drivers = Project("Drivers", "Hal", "Runtime");
        var other = Project("Other");

        var references = CodebaseRun.TransitiveReferences(drivers, [corlib, runtime, hal, drivers, other]);

        Assert.Equal(["/c/Hal.csproj", "/c/Runtime.csproj", "/c/Corlib.csproj"], references);
    }
}
