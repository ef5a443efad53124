// ESLint: typescript-eslint's recommended rules everywhere; Pulumi's Output rules (type-aware)
// where resources are declared. Formatting is Prettier's (npm run lint checks both).
import js from "@eslint/js";
import pulumi from "@pulumi/eslint-plugin";
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["bin/**", "node_modules/**", "policy/node_modules/**", "out/**", "**/*.mjs"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        rules: {
            // Unused names are tsc's job (noUnusedLocals/Parameters); `_`-prefixed ones are intended.
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" }],
        },
    },
    {
        // Tests read recorded resource inputs (untyped JSON) and use chai's property assertions.
        files: ["test/**/*.ts"],
        rules: { "@typescript-eslint/no-explicit-any": "off", "@typescript-eslint/no-unused-expressions": "off" },
    },
    {
        files: ["components/**/*.ts", "index.ts"],
        // The program only: type information for the Pulumi rules, without the tests and tools.
        languageOptions: { parserOptions: { project: "./tsconfig.lint.json", tsconfigRootDir: import.meta.dirname } },
        plugins: { pulumi },
        rules: {
            "pulumi/no-output-in-template-literal": "error",
            "pulumi/no-output-instance-in-template-literal": "error",
        },
    },
);
