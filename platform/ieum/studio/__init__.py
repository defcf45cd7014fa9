"""The content studio's pure logic: builder models of forms, processes, units and profiles."""
