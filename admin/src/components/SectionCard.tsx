import * as React from 'react';
import { Box, Flex, Typography } from '@strapi/design-system';

interface SectionCardProps {
  title: string;
  description?: React.ReactNode;
  children: React.ReactNode;
}

/** A titled white card, as Strapi's settings pages lay out their sections; a landmark region. */
export const SectionCard = ({ title, description, children }: SectionCardProps) => {
  const titleId = React.useId();
  return (
    <Box
      tag="section"
      aria-labelledby={titleId}
      background="neutral0"
      hasRadius
      shadow="filterShadow"
      paddingTop={6}
      paddingBottom={6}
      paddingLeft={7}
      paddingRight={7}
    >
      <Flex direction="column" alignItems="stretch" gap={6}>
        <Flex direction="column" alignItems="stretch" gap={1}>
          <Typography id={titleId} variant="delta" tag="h2">
            {title}
          </Typography>
          {description ? <Typography textColor="neutral600">{description}</Typography> : null}
        </Flex>
        {children}
      </Flex>
    </Box>
  );
};
